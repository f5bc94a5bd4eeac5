use std::fs;
use std::io::{self, Read};

fn main() {  // every number to EOF into a file in /tmp, then read back from it
    let mut input = String::new();
    io::stdin().read_to_string(&mut input).unwrap();
    let lines: Vec<String> = input.split_whitespace().map(|w| format!("{}\n", w)).collect();
    fs::write("/tmp/numbers.txt", lines.concat()).unwrap();
    let back: Vec<i64> = fs::read_to_string("/tmp/numbers.txt").unwrap()
        .lines().map(|l| l.parse().unwrap()).collect();
    println!("{} {}", back.len(), back.iter().sum::<i64>());
}
