package ad

import (
	"slices"
	"testing"
)

// A row's name term and its address terms stay next to each other, so a
// batch boundary splits at most one row; each list keeps its order.
func TestInterleaveKeepsRowsTogether(t *testing.T) {
	cases := []struct{ a, b, want []string }{
		{[]string{"n1", "n2", "n3"}, []string{"a1", "a2", "a3"}, []string{"n1", "a1", "n2", "a2", "n3", "a3"}},
		{[]string{"n1", "n2"}, []string{"a1", "b1", "a2", "b2"}, []string{"n1", "a1", "b1", "n2", "a2", "b2"}},
		{[]string{"n1", "n2"}, nil, []string{"n1", "n2"}},
		{nil, []string{"a1"}, []string{"a1"}},
	}
	for _, c := range cases {
		if got := interleave(c.a, c.b); !slices.Equal(got, c.want) {
			t.Errorf("interleave(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
