package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() { // every number to EOF into a file in /tmp, then read back from it
	out, err := os.Create("/tmp/numbers.txt")
	if err != nil {
		panic(err)
	}
	in := bufio.NewReader(os.Stdin)
	for {
		var x int64
		if _, err := fmt.Fscan(in, &x); err != nil {
			break
		}
		fmt.Fprintln(out, x)
	}
	out.Close()
	f, err := os.Open("/tmp/numbers.txt")
	if err != nil {
		panic(err)
	}
	var n, sum int64
	for {
		var x int64
		if _, err := fmt.Fscan(f, &x); err != nil {
			break
		}
		n++
		sum += x
	}
	fmt.Println(n, sum)
}
