// Package archtest holds the tests that check gask's architecture: which
// packages may import which, and that every package documents itself. It
// has no code of its own.
package archtest
