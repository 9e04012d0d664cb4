// real_rust_inventory.rs: a Rust program of the conformance suite (test_real_programs.py): allocates
// through Rust's own std (String, Vec, HashMap, BTreeMap, Box, Arc, Mutex, threads), prints a
// deterministic summary. Kept to what Debian bookworm's rustc 1.63 compiles.
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::thread;

const WORKERS: usize = 4;
const ITEMS_PER_WORKER: usize = 300;

struct Item {
    name: String,
    tags: Vec<String>,
    weight: u64,
}

fn make_item(worker: usize, i: usize) -> Box<Item> {
    let mut tags = Vec::new();
    for t in 0..(i % 4) {
        tags.push(format!("tag{}", (i + t) % 7));
    }
    Box::new(Item { name: format!("item-{}-{}", worker, i), tags: tags, weight: (i * 31 + worker) as u64 % 101 })
}

fn main() {
    let ledger: Arc<Mutex<Vec<(usize, u64, usize)>>> = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for w in 0..WORKERS {
        let ledger = Arc::clone(&ledger);
        handles.push(thread::spawn(move || {
            let items: Vec<Box<Item>> = (0..ITEMS_PER_WORKER).map(|i| make_item(w, i)).collect();
            let mut by_tag: HashMap<String, u64> = HashMap::new();
            for item in &items {
                for tag in &item.tags {
                    *by_tag.entry(tag.clone()).or_insert(0) += item.weight;
                }
            }
            let total: u64 = items.iter().map(|it| it.weight).sum();
            let longest = items.iter().map(|it| it.name.len()).max().unwrap_or(0);
            ledger.lock().unwrap().push((w, total, longest));
            let mut sorted: Vec<(String, u64)> = by_tag.into_iter().collect();
            sorted.sort();
            sorted
        }));
    }
    let mut merged: BTreeMap<String, u64> = BTreeMap::new();
    for h in handles {
        for (tag, weight) in h.join().unwrap() {
            *merged.entry(tag).or_insert(0) += weight;
        }
    }
    let mut ledger = ledger.lock().unwrap().clone();
    ledger.sort();
    for (w, total, longest) in &ledger {
        println!("worker {} total {} longest {}", w, total, longest);
    }
    let mut line = String::new();
    for (tag, weight) in &merged {
        line.push_str(&format!("{}={} ", tag, weight));
    }
    println!("{}", line.trim_end());
}
