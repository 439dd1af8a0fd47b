//! Unit tests of the store: caps per scope and in total, oldest out first, scopes apart.

use super::*;

fn store(objects: usize, bytes: usize, scope_objects: usize, scope_bytes: usize) -> Store {
    Store::new(Limits {
        objects,
        bytes,
        scope_objects,
        scope_bytes,
    })
}

fn ids(store: &Store, scope: &str) -> Vec<String> {
    store
        .list::<u32>(scope, "n")
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

#[test]
fn objects_are_typed_and_kept_per_scope() {
    let s = store(100, 1000, 10, 100);
    s.put("a", "n", "x", 1u32, 4).unwrap();
    s.put("b", "n", "x", 2u32, 4).unwrap();
    s.put("a", "s", "x", String::from("text"), 4).unwrap();
    assert_eq!(*s.get::<u32>("a", "n", "x").unwrap(), 1);
    assert_eq!(*s.get::<u32>("b", "n", "x").unwrap(), 2);
    assert!(s.get::<u32>("a", "s", "x").is_none(), "another type");
    assert_eq!(s.get::<String>("a", "s", "x").unwrap().as_str(), "text");
    assert!(s.get::<u32>("c", "n", "x").is_none());
    assert_eq!(s.usage("a"), ((2, 8), (3, 12)));
    assert!(s.delete("a", "n", "x"));
    assert!(!s.delete("a", "n", "x"));
    assert_eq!(s.clear(Some("b")), 1);
    assert_eq!(s.usage("b"), ((0, 0), (1, 4)));
    assert_eq!(s.clear(None), 1);
    assert_eq!(s.usage("a"), ((0, 0), (0, 0)));
}

#[test]
fn the_oldest_go_first_at_each_cap() {
    // Per scope: 3 objects.
    let s = store(100, 1000, 3, 100);
    for i in 0..5u32 {
        s.put("a", "n", &format!("o{i}"), i, 10).unwrap();
    }
    assert_eq!(ids(&s, "a"), ["o2", "o3", "o4"]);
    // Per scope: 25 bytes.
    let s = store(100, 1000, 100, 25);
    for i in 0..4u32 {
        s.put("a", "n", &format!("o{i}"), i, 10).unwrap();
    }
    assert_eq!(ids(&s, "a"), ["o2", "o3"]);
    // In total: 4 objects over two scopes; the oldest of any scope goes.
    let s = store(4, 1000, 100, 100);
    s.put("a", "n", "a0", 0u32, 1).unwrap();
    s.put("b", "n", "b0", 0u32, 1).unwrap();
    s.put("a", "n", "a1", 0u32, 1).unwrap();
    s.put("b", "n", "b1", 0u32, 1).unwrap();
    s.put("b", "n", "b2", 0u32, 1).unwrap();
    assert_eq!(ids(&s, "a"), ["a1"]);
    assert_eq!(ids(&s, "b"), ["b0", "b1", "b2"]);
    // In total: bytes.
    let s = store(100, 30, 100, 100);
    for i in 0..4u32 {
        s.put(&format!("s{i}"), "n", "x", i, 10).unwrap();
    }
    assert!(ids(&s, "s0").is_empty());
    assert_eq!(s.usage("s3"), ((1, 10), (3, 30)));
}

#[test]
fn an_object_no_scope_may_hold_is_refused() {
    let s = store(100, 1000, 10, 100);
    let e = s.put("a", "n", "x", 1u32, 101).unwrap_err();
    assert_eq!(e.status, 400);
    assert!(e.message.contains("limit of 100 bytes"), "{}", e.message);
    assert_eq!(s.usage("a"), ((0, 0), (0, 0)));
}

#[test]
fn updates_keep_the_creation_order_and_recount() {
    let s = store(100, 1000, 10, 100);
    s.put("a", "n", "x", 1u32, 4).unwrap();
    s.put("a", "n", "y", 2u32, 4).unwrap();
    let got = s.update::<u32, u32>(
        "a",
        "n",
        "x",
        |v| *v as usize,
        |v| {
            *v = 50;
            Ok(7)
        },
    );
    assert_eq!(got.unwrap(), Some(7));
    assert_eq!(ids(&s, "a"), ["x", "y"]);
    assert_eq!(s.usage("a"), ((2, 54), (2, 54)));
    // Too large: refused, the object as it was.
    let e = s.update::<u32, ()>(
        "a",
        "n",
        "x",
        |v| *v as usize,
        |v| {
            *v = 500;
            Ok(())
        },
    );
    assert_eq!(e.unwrap_err().status, 400);
    assert_eq!(*s.get::<u32>("a", "n", "x").unwrap(), 50);
    let missing = s.update::<u32, ()>("a", "n", "z", |_| 0, |_| Ok(()));
    assert_eq!(missing.unwrap(), None);
}

#[test]
fn json_size_counts_compact_bytes() {
    assert_eq!(json_size(&serde_json::json!({"a": [1, 2]})), 11);
}

#[test]
fn concurrent_updates_lose_nothing() {
    let s = Arc::new(store(100, 1000, 10, 100));
    s.put("a", "n", "x", 0u32, 4).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let s = Arc::clone(&s);
            std::thread::spawn(move || {
                for _ in 0..200 {
                    let r = s.update::<u32, ()>(
                        "a",
                        "n",
                        "x",
                        |_| 4,
                        |v| {
                            *v += 1;
                            Ok(())
                        },
                    );
                    assert_eq!(r.unwrap(), Some(()));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*s.get::<u32>("a", "n", "x").unwrap(), 1600);
}
