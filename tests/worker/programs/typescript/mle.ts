const blocks: number[][] = [];
for (let i = 0; i < 1024; i++) blocks.push(new Array(1 << 17).fill(i + 0.5));  // 1 GiB of doubles
console.log(blocks.length);
