package ad

import (
	"strings"
	"sync"
)

// sameObjectOrder keeps the changes of one object in plan order when Apply
// sends several at a time: each change after the first to an object waits
// until the one before it is done. (Two modifies of one user, the second
// deleting a value the first added, fail if they arrive the other way round.)
// Changes are added in plan order before a worker takes them, so the one
// waited for was handed out earlier and finishes: no worker waits forever.
type sameObjectOrder struct {
	mu    sync.Mutex
	last  map[string]chan struct{} // object (lower-case DN) → done of its latest change
	after map[*Change]chan struct{}
	own   map[*Change]chan struct{}
}

// add records c as the latest change to its object.
func (o *sameObjectOrder) add(c *Change) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.last == nil {
		o.last, o.after, o.own = map[string]chan struct{}{}, map[*Change]chan struct{}{}, map[*Change]chan struct{}{}
	}
	k := strings.ToLower(c.DN) // as the planner spelled it (from the entry it read): no parse per change
	if prev, ok := o.last[k]; ok {
		o.after[c] = prev
	}
	done := make(chan struct{})
	o.own[c], o.last[k] = done, done
}

// wait blocks until the change before c to its object is done.
func (o *sameObjectOrder) wait(c *Change) {
	o.mu.Lock()
	prev := o.after[c]
	o.mu.Unlock()
	if prev != nil {
		<-prev
	}
}

// done releases the change after c to its object.
func (o *sameObjectOrder) done(c *Change) {
	o.mu.Lock()
	defer o.mu.Unlock()
	close(o.own[c])
}
