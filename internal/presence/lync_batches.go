package presence

import "sort"

// batchSet assigns the watched SIP URIs to subscriptions that stay put: when
// the watched set changes (a directory refresh), only the batches that lose or
// gain members are subscribed again, not all of them.
type batchSet struct {
	size    int
	members [][]string // batch → its URIs, sorted
}

// update takes the new watched URIs and returns the batches that changed
// (an empty one is to be unsubscribed).
func (b *batchSet) update(watched []string) []int {
	want := make(map[string]bool, len(watched))
	for _, w := range watched {
		want[w] = true
	}
	changed := map[int]bool{}
	have := map[string]bool{}
	for i, m := range b.members {
		kept := m[:0:0]
		for _, u := range m {
			if want[u] {
				kept = append(kept, u)
				have[u] = true
			}
		}
		if len(kept) != len(m) {
			b.members[i], changed[i] = kept, true
		}
	}
	next := 0 // the first batch that may have room
	for _, w := range watched {
		if have[w] {
			continue
		}
		for next < len(b.members) && len(b.members[next]) >= b.size {
			next++
		}
		if next == len(b.members) {
			b.members = append(b.members, nil)
		}
		b.members[next] = append(b.members[next], w)
		changed[next] = true
	}
	out := make([]int, 0, len(changed))
	for i := range changed {
		sort.Strings(b.members[i])
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}
