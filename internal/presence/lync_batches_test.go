package presence

import (
	"fmt"
	"slices"
	"testing"
)

func users(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("sip:u%05d@contoso.com", i))
	}
	return out
}

// A change of the watched set touches only the batches that lose or gain members.
func TestBatchSetStaysPut(t *testing.T) {
	b := &batchSet{size: 500}
	if got := b.update(users(0, 1200)); !slices.Equal(got, []int{0, 1, 2}) || len(b.members[0]) != 500 || len(b.members[2]) != 200 {
		t.Fatalf("first: %v %d/%d/%d", got, len(b.members[0]), len(b.members[1]), len(b.members[2]))
	}
	// u00007 leaves, u09999 arrives: batch 0 has room again and takes it.
	w := append(slices.Delete(users(0, 1200), 7, 8), "sip:u09999@contoso.com")
	if got := b.update(w); !slices.Equal(got, []int{0}) || !slices.Contains(b.members[0], "sip:u09999@contoso.com") {
		t.Fatalf("one in, one out: %v", got)
	}
	if got := b.update(w); len(got) != 0 {
		t.Fatalf("no change re-subscribed %v", got)
	}
	if got := b.update(append(w, users(5000, 5400)...)); !slices.Equal(got, []int{2, 3}) || len(b.members[2]) != 500 || len(b.members[3]) != 100 {
		t.Fatalf("400 more: %v", got)
	}
	if got := b.update(nil); !slices.Equal(got, []int{0, 1, 2, 3}) || len(b.members[1]) != 0 {
		t.Fatalf("everyone gone: %v", got)
	}
}
