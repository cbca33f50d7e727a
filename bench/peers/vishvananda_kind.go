// Link and address dumps with vishvananda/netlink, the Go peer of bench/compare.ts for the
// scenarios ../shared/bench/vishvananda_dump.go (routes only) does not cover.
// Usage: vdumpkind link|addr
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/vishvananda/netlink"
)

func main() {
	kind := "link"
	if len(os.Args) > 1 {
		kind = os.Args[1]
	}
	t0 := time.Now()
	n := 0
	switch kind {
	case "link":
		links, err := netlink.LinkList()
		if err != nil {
			panic(err)
		}
		for _, l := range links {
			if l.Attrs().Name != "" {
				n++
			}
		}
	case "addr":
		addrs, err := netlink.AddrList(nil, netlink.FAMILY_ALL)
		if err != nil {
			panic(err)
		}
		for _, a := range addrs {
			if a.IPNet != nil {
				n++
			}
		}
	default:
		panic("usage: vdumpkind link|addr")
	}
	el := time.Since(t0).Seconds()
	out, _ := json.Marshal(map[string]interface{}{"tool": "vishvananda/netlink", "msgs": n, "seconds": el})
	fmt.Println(string(out))
}
