package ad

// WrapRequests puts wrap(the current requester) between d and its
// connection, for tests that make the real DC answer as another DC would.
func (d *Dir) WrapRequests(wrap func(Requester) Requester) { d.wrap = wrap(d.req()) }
