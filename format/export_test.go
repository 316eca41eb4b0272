package format

// FakeHeader returns a record header that passes the header check and
// claims length bytes, for tests of resynchronisation over crafted data.
func FakeHeader(length int) []byte {
	h := make([]byte, HeaderLen)
	h[0], h[1] = sync0, sync1
	le.PutUint16(h[2:], uint16(TypeNamei))
	le.PutUint32(h[4:], uint32(length))
	le.PutUint16(h[46:], headerCheck(h))
	return h
}
