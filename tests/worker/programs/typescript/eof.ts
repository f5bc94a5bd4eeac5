// every number to EOF into a file in /tmp, then read back from it
import * as fs from "fs";

const words: string[] = fs.readFileSync(0, "utf8").split(/\s+/).filter((w: string) => w);
fs.writeFileSync("/tmp/numbers.txt", words.join("\n") + "\n");
const back: number[] = fs.readFileSync("/tmp/numbers.txt", "utf8").split("\n")
    .filter((w: string) => w).map(Number);
console.log(`${back.length} ${back.reduce((x, y) => x + y, 0)}`);
