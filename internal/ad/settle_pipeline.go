package ad

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// ApplySettled is Apply followed by the re-check of Settle, overlapped: a
// claim is ready to re-read once every change this run makes to its object is
// written (so the re-read sees the object's last write of this run, as the
// argument in settle.go needs), and ready claims are re-read in batches of
// BatchSize values while the later writes proceed. When nothing but this run
// has written to the DC since it connected (quiet.go), no other run can have
// raced it and the re-reads are skipped. The undo of lost changes waits for
// the end. It returns Apply's error and Settle's.
func (d *Dir) ApplySettled(ctx context.Context, p *Plan, progress func(done, total int, c *Change)) (applyErr, settleErr error) {
	s := newSettler(ctx, d, p)
	applyErr = d.Apply(ctx, p, func(done, total int, c *Change) {
		s.finished(c)
		if progress != nil {
			progress(done, total, c)
		}
	})
	return applyErr, s.finish()
}

// settler re-checks the claims of a plan while it is applied.
type settler struct {
	ctx   context.Context
	d     *Dir
	p     *Plan
	left  map[string]int      // object (lower-case DN, as planned) → this run's changes to it not finished yet
	byDN  map[string][]*Claim // object → the claims of its changes not ready yet
	ready map[*Dir]*batch     // per DC that took the writes: claims ready to re-check, not sent yet
	quiet *quietDC            // whether anything else wrote to the DC

	batches chan *batch
	done    chan struct{} // closed when dispatch has re-read every batch it was sent

	mu     sync.Mutex // judging: losses, lost, p.Warnings
	losses []string
	lost   map[*Change]bool
	err    error
}

// batch is claims to re-check on the DC that took their writes (USNs order
// writes within one DC; see route.go for writes to other domains).
type batch struct {
	dc     *Dir
	claims []*Claim
	terms  int
}

func newSettler(ctx context.Context, d *Dir, p *Plan) *settler {
	s := &settler{ctx: ctx, d: d, p: p, left: map[string]int{}, byDN: map[string][]*Claim{}, lost: map[*Change]bool{},
		ready: map[*Dir]*batch{}, quiet: newQuietDC(d), done: make(chan struct{})}
	for _, c := range p.Changes {
		if c.Action != ActionUnchanged {
			s.left[strings.ToLower(c.DN)]++
		}
	}
	terms := 0
	for _, c := range p.Claims {
		s.byDN[strings.ToLower(c.dn)] = append(s.byDN[strings.ToLower(c.dn)], c)
		terms += len(c.terms())
	}
	s.batches = make(chan *batch, terms/BatchSize+len(p.Claims)+1) // room for every batch: finished never waits
	go s.dispatch()
	return s
}

// finished is told each change Apply finished (one at a time): when the last
// of this run's changes to an object is done, that object's claims are ready,
// and a full batch is sent.
func (s *settler) finished(c *Change) {
	s.quiet.wrote(c)
	k := strings.ToLower(c.DN)
	if s.left[k]--; s.left[k] > 0 {
		return
	}
	for _, cl := range s.byDN[k] {
		s.add(cl)
	}
	delete(s.byDN, k)
}

// add makes a claim ready if its change was written; a full batch is sent.
func (s *settler) add(c *Claim) {
	if c.change.Status != StatusDone {
		return
	}
	dc := c.change.writer(s.d)
	b := s.ready[dc]
	if b == nil {
		b = &batch{dc: dc}
		s.ready[dc] = b
	}
	b.claims = append(b.claims, c)
	if b.terms += len(c.terms()); b.terms >= BatchSize {
		s.batches <- b
		delete(s.ready, dc)
	}
}

// sendAll sends every batch not sent yet.
func (s *settler) sendAll() {
	for dc, b := range s.ready {
		s.batches <- b
		delete(s.ready, dc)
	}
}

// dispatch re-reads the batches it is sent, up to SearchPipeline at a time,
// once another writer is seen on the DC; until then it holds them back. At
// the end (the channel closed) it re-reads those held back unless the DC
// stayed quiet.
func (s *settler) dispatch() {
	defer close(s.done)
	var held []*batch
	var wg sync.WaitGroup
	slots := make(chan struct{}, SearchPipeline)
	run := func(b *batch) {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			s.check(b)
		}()
	}
	for b := range s.batches {
		// Asked at the 1st, 2nd, 4th, 8th … batch held back: on a quiet
		// DC a few reads of highestCommittedUSN, on a busy one the first.
		if held = append(held, b); len(held)&(len(held)-1) != 0 || s.quiet.stillQuiet(s.ctx, false) {
			continue
		}
		for _, h := range held {
			run(h)
		}
		held = nil
	}
	if len(held) > 0 && !s.quiet.stillQuiet(s.ctx, true) {
		for _, h := range held {
			run(h)
		}
	}
	wg.Wait()
}

// check re-reads one batch on its DC and judges its claims.
func (s *settler) check(b *batch) {
	var terms []string
	for _, c := range b.claims {
		terms = append(terms, c.terms()...)
	}
	es, err := b.dc.SearchAny(s.ctx, b.dc.RootDSE.DefaultNC, "", terms, settleAttrs)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.err == nil {
			s.err = fmt.Errorf("re-checking the written values: %w", err)
		}
		return
	}
	holders := indexHolders(es)
	for _, c := range b.claims {
		if msg := s.d.judge(s.p, c, c.candidates(holders)); msg != "" {
			s.losses = append(s.losses, msg)
			s.lost[c.change] = true
		}
	}
}

// finish re-checks the claims not re-checked yet (those of objects with a
// change that was not written, and the last batch), waits for every re-read,
// undoes the lost changes and says what was lost.
func (s *settler) finish() error {
	for _, cls := range s.byDN {
		for _, c := range cls {
			s.add(c)
		}
	}
	s.sendAll()
	close(s.batches)
	<-s.done
	if s.err != nil {
		return s.err
	}
	s.undoLost()
	switch len(s.losses) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%w: %s", ErrRaceLost, s.losses[0])
	}
	return fmt.Errorf("%w: %d values were written by a concurrent run at the same time:\n  %s", ErrRaceLost, len(s.losses), strings.Join(s.losses, "\n  "))
}

// undoLost undoes, latest first, every written change to an object of which
// a change lost a value: an undo writes the object again (a higher
// uSNChanged), so a value another change of this run gave it and kept would
// then look written later than a racing run's copy, and both would keep it.
func (s *settler) undoLost() {
	objects := map[string]bool{}
	for c := range s.lost {
		objects[strings.ToLower(c.DN)] = true
	}
	for i := len(s.p.Changes) - 1; i >= 0; i-- {
		c := s.p.Changes[i]
		if !objects[strings.ToLower(c.DN)] || c.Status != StatusDone || (c.undo == nil && !s.lost[c]) {
			continue
		}
		if err := c.writer(s.d).undo(s.ctx, c); err != nil {
			s.losses = append(s.losses, fmt.Sprintf("undoing the change to %s failed: %v (run `umctl eum check` / `umctl contact check`)", c.DN, err))
		} else if !s.lost[c] {
			s.losses = append(s.losses, fmt.Sprintf("another change of this run to %s was undone too, as that object lost a value", c.DN))
		}
	}
}
