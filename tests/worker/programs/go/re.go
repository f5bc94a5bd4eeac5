package main

import "fmt"

func main() {
	var a []int
	i := 5
	fmt.Println(a[i])
}
