package peer

import "time"

// dialTimeout bounds connecting to a worker, handshake included.
const dialTimeout = 10 * time.Second
