// every number to EOF into a file in /tmp, then read back from it
const fs = require("fs");
const words = fs.readFileSync(0, "utf8").split(/\s+/).filter((w) => w);
fs.writeFileSync("/tmp/numbers.txt", words.join("\n") + "\n");
const back = fs.readFileSync("/tmp/numbers.txt", "utf8").split("\n").filter((w) => w).map(BigInt);
console.log(`${back.length} ${back.reduce((a, b) => a + b, 0n)}`);
