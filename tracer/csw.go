package tracer

// Context-switch records (-t w). Placeholder hooks; see issue 5.

// cswState is the context-switch watch of one thread.
type cswState struct{}

// cswStop is called at every stop of a thread traced for w, before the
// stop's own records: it writes the CSW records of the switches the
// thread made since it last ran under us.
func (t *Tracer) cswStop(th *thread) {}

// cswResume is called just before th is resumed.
func (t *Tracer) cswResume(th *thread) {}

// cswClose ends the watch when th is no longer traced.
func (t *Tracer) cswClose(th *thread) {}
