fn main() {
    let mut blocks = Vec::new();
    for i in 0..1024 { blocks.push(vec![(i as u8) | 1; 1 << 20]); }  // 1 GiB, touched
    println!("{}", blocks.len());
}
