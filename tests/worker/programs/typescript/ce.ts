function add(a: number, b: number): number {
    return a + b;
}
const total: number = add(1, "2");
console.log(total);
