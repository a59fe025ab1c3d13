package wire

import (
	"fmt"
	"math"
)

// Version is the protocol version carried in every Hello. Peers with a
// different version are refused at the handshake.
const Version = 5

// InlineLimit is the largest encoded result a worker sends with TaskDone,
// and the scheduler passes on in KeyDone, when a client holds the task: a
// small value then reaches the client without a fetch from the worker.
const InlineLimit = 1024

// Op identifies a message type on the wire.
type Op uint8

// The closed set of messages. Numbers are part of the protocol: never reuse one.
const (
	OpHello Op = iota + 1
	OpWelcome
	OpUpdateGraph
	OpRelease
	OpCancel
	OpDataPlaced
	OpWorkersQuery
	OpWorkersInfo
	OpKeyDone
	OpKeyErred
	OpCompute
	OpFree
	OpTaskDone
	OpTaskErred
	OpMissingData
	OpHeartbeat
	OpReplicas
	OpGetData
	OpData
	OpPutData
	OpAck
	OpCall
	OpCallResult
	OpWorkerDied
	OpKeyCancelled
	OpStealRequest
	OpStealResponse
	OpRetireWorkers
	OpWorkersRetired
	OpAcquireKeys
	OpGoodbye
	opEnd
)

var opNames = [...]string{
	OpHello: "Hello", OpWelcome: "Welcome", OpUpdateGraph: "UpdateGraph", OpRelease: "Release",
	OpCancel: "Cancel", OpDataPlaced: "DataPlaced", OpWorkersQuery: "WorkersQuery",
	OpWorkersInfo: "WorkersInfo", OpKeyDone: "KeyDone", OpKeyErred: "KeyErred", OpCompute: "Compute",
	OpFree: "Free", OpTaskDone: "TaskDone", OpTaskErred: "TaskErred", OpMissingData: "MissingData",
	OpHeartbeat: "Heartbeat", OpReplicas: "Replicas", OpGetData: "GetData", OpData: "Data",
	OpPutData: "PutData", OpAck: "Ack", OpCall: "Call", OpCallResult: "CallResult",
	OpWorkerDied: "WorkerDied", OpKeyCancelled: "KeyCancelled", OpStealRequest: "StealRequest",
	OpStealResponse: "StealResponse", OpRetireWorkers: "RetireWorkers", OpWorkersRetired: "WorkersRetired",
	OpAcquireKeys: "AcquireKeys", OpGoodbye: "Goodbye",
}

func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Msg is one protocol message.
type Msg interface {
	Op() Op
	// appendFields encodes everything but the bulk payload.
	appendFields(b []byte) []byte
	// bulkPayload is the trailing payload written as-is after the fields.
	bulkPayload() []byte
	decode(d *decoder)
}

// noBulk is embedded by messages without a bulk payload.
type noBulk struct{}

func (noBulk) bulkPayload() []byte { return nil }

func newMsg(op Op) Msg {
	switch op {
	case OpHello:
		return new(Hello)
	case OpWelcome:
		return new(Welcome)
	case OpUpdateGraph:
		return new(UpdateGraph)
	case OpRelease:
		return new(Release)
	case OpCancel:
		return new(Cancel)
	case OpDataPlaced:
		return new(DataPlaced)
	case OpWorkersQuery:
		return new(WorkersQuery)
	case OpWorkersInfo:
		return new(WorkersInfo)
	case OpKeyDone:
		return new(KeyDone)
	case OpKeyErred:
		return new(KeyErred)
	case OpKeyCancelled:
		return new(KeyCancelled)
	case OpCompute:
		return new(Compute)
	case OpFree:
		return new(Free)
	case OpTaskDone:
		return new(TaskDone)
	case OpTaskErred:
		return new(TaskErred)
	case OpMissingData:
		return new(MissingData)
	case OpHeartbeat:
		return new(Heartbeat)
	case OpReplicas:
		return new(Replicas)
	case OpGetData:
		return new(GetData)
	case OpData:
		return new(Data)
	case OpPutData:
		return new(PutData)
	case OpAck:
		return new(Ack)
	case OpCall:
		return new(Call)
	case OpCallResult:
		return new(CallResult)
	case OpWorkerDied:
		return new(WorkerDied)
	case OpStealRequest:
		return new(StealRequest)
	case OpStealResponse:
		return new(StealResponse)
	case OpRetireWorkers:
		return new(RetireWorkers)
	case OpWorkersRetired:
		return new(WorkersRetired)
	case OpAcquireKeys:
		return new(AcquireKeys)
	case OpGoodbye:
		return new(Goodbye)
	}
	return nil
}

// Role says what a connecting peer is.
type Role uint8

// Roles.
const (
	RoleClient Role = iota + 1
	RoleWorker
	RoleNanny
	RolePeer // a worker or client fetching data from a worker
)

func (r Role) String() string {
	switch r {
	case RoleClient:
		return "client"
	case RoleWorker:
		return "worker"
	case RoleNanny:
		return "nanny"
	case RolePeer:
		return "peer"
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// Resource is an abstract amount a worker offers or a task needs ("GPU" 1).
type Resource struct {
	Name   string
	Amount float64
}

func appendResources(b []byte, rs []Resource) []byte {
	b = appendUvarint(b, uint64(len(rs)))
	for _, r := range rs {
		b = appendString(b, r.Name)
		b = appendFloat(b, r.Amount)
	}
	return b
}

func decodeResources(d *decoder) []Resource {
	n := d.count()
	if n == 0 {
		return nil
	}
	rs := make([]Resource, n)
	for i := range rs {
		rs[i].Name = d.str()
		rs[i].Amount = d.float()
		if a := rs[i].Amount; math.IsNaN(a) || math.IsInf(a, 0) || a < 0 {
			// No accounting holds with it: NaN compares false with everything.
			d.fail("resource %q of amount %v", rs[i].Name, a)
			return nil
		}
	}
	return rs
}

// Hello opens every connection.
type Hello struct {
	noBulk
	Proto       uint32
	Role        Role
	Name        string   // worker name (unique in a cluster) or client name
	Build       string   // build identity of the sender's program
	Funcs       []string // registered functions as "name@signature-hash"
	Addr        string   // a worker's address for peers
	NThreads    uint32
	MemoryLimit int64
	Resources   []Resource
	PID         int64
}

func (*Hello) Op() Op { return OpHello }
func (m *Hello) appendFields(b []byte) []byte {
	b = appendUvarint(b, uint64(m.Proto))
	b = append(b, byte(m.Role))
	b = appendString(b, m.Name)
	b = appendString(b, m.Build)
	b = appendStrings(b, m.Funcs)
	b = appendString(b, m.Addr)
	b = appendUvarint(b, uint64(m.NThreads))
	b = appendVarint(b, m.MemoryLimit)
	b = appendResources(b, m.Resources)
	return appendVarint(b, m.PID)
}
func (m *Hello) decode(d *decoder) {
	m.Proto = d.u32()
	m.Role = Role(d.byte())
	m.Name = d.str()
	m.Build = d.str()
	m.Funcs = d.strings()
	m.Addr = d.str()
	m.NThreads = d.u32()
	m.MemoryLimit = d.varint()
	m.Resources = decodeResources(d)
	m.PID = d.varint()
}

// Welcome answers a Hello. A non-nil Err means the peer was refused and the
// connection closes.
type Welcome struct {
	noBulk
	ID    string // the identity the scheduler gives this connection
	Build string // the scheduler's build identity
	Err   *RemoteError
}

func (*Welcome) Op() Op { return OpWelcome }
func (m *Welcome) appendFields(b []byte) []byte {
	b = appendString(b, m.ID)
	b = appendString(b, m.Build)
	return appendOptError(b, m.Err)
}
func (m *Welcome) decode(d *decoder) {
	m.ID = d.str()
	m.Build = d.str()
	m.Err = decodeOptError(d)
}

// TaskSpec describes one task of a graph. Args are opaque to the scheduler.
type TaskSpec struct {
	Key       string
	Func      string // "name@signature-hash"
	Args      []byte
	Deps      []string
	Priority  int64
	Retries   uint32
	Resources []Resource
	Workers   []string // restrict to these worker names or addresses
	Loose     bool     // restrictions are preferences
}

func (t *TaskSpec) append(b []byte) []byte {
	b = appendString(b, t.Key)
	b = appendString(b, t.Func)
	b = appendBytes(b, t.Args)
	b = appendStrings(b, t.Deps)
	b = appendVarint(b, t.Priority)
	b = appendUvarint(b, uint64(t.Retries))
	b = appendResources(b, t.Resources)
	b = appendStrings(b, t.Workers)
	return appendBool(b, t.Loose)
}

// decode reads a spec; prevFunc is the function of the one before, which
// the next one most often shares.
func (t *TaskSpec) decode(d *decoder, prevFunc string) {
	t.Key = d.str()
	t.Func = d.strAs(prevFunc)
	t.Args = d.bytes()
	t.Deps = d.strings()
	t.Priority = d.varint()
	t.Retries = d.u32()
	t.Resources = decodeResources(d)
	t.Workers = d.strings()
	t.Loose = d.bool()
}

// UpdateGraph adds tasks and says which keys the client holds futures for.
type UpdateGraph struct {
	noBulk
	Tasks []TaskSpec
	Wants []string
}

func (*UpdateGraph) Op() Op { return OpUpdateGraph }
func (m *UpdateGraph) appendFields(b []byte) []byte {
	b = appendUvarint(b, uint64(len(m.Tasks)))
	for i := range m.Tasks {
		b = m.Tasks[i].append(b)
	}
	return appendStrings(b, m.Wants)
}
func (m *UpdateGraph) decode(d *decoder) {
	if n := d.count(); n > 0 {
		m.Tasks = make([]TaskSpec, n)
		prev := ""
		total := 0
		for i := range m.Tasks {
			m.Tasks[i].decode(d, prev)
			prev = m.Tasks[i].Func
			total += len(m.Tasks[i].Args)
		}
		// The scheduler keeps each task's arguments as long as the task:
		// copied into one block, they do not keep the whole frame alive.
		block := make([]byte, 0, total)
		for i := range m.Tasks {
			if a := m.Tasks[i].Args; a != nil {
				block = append(block, a...)
				m.Tasks[i].Args = block[len(block)-len(a) : len(block) : len(block)]
			}
		}
	}
	// Wants mostly name the tasks' own keys, in order.
	if n := d.count(); n > 0 {
		m.Wants = make([]string, n)
		for i := range m.Wants {
			prev := ""
			if i < len(m.Tasks) {
				prev = m.Tasks[i].Key
			}
			m.Wants[i] = d.strAs(prev)
		}
	}
}

// Release drops the client's hold on keys.
type Release struct {
	noBulk
	Keys []string
}

func (*Release) Op() Op                         { return OpRelease }
func (m *Release) appendFields(b []byte) []byte { return appendStrings(b, m.Keys) }
func (m *Release) decode(d *decoder)            { m.Keys = d.strings() }

// Cancel drops the client's hold on keys and stops their work if nobody else needs it.
type Cancel struct {
	noBulk
	Keys []string
}

func (*Cancel) Op() Op                         { return OpCancel }
func (m *Cancel) appendFields(b []byte) []byte { return appendStrings(b, m.Keys) }
func (m *Cancel) decode(d *decoder)            { m.Keys = d.strings() }

// DataPlaced tells the scheduler that a client put values on a worker (scatter).
type DataPlaced struct {
	noBulk
	Workers []string // the addresses of the workers that got every key
	Keys    []string
	NBytes  []int64
}

func (*DataPlaced) Op() Op { return OpDataPlaced }
func (m *DataPlaced) appendFields(b []byte) []byte {
	b = appendStrings(b, m.Workers)
	b = appendStrings(b, m.Keys)
	b = appendUvarint(b, uint64(len(m.NBytes)))
	for _, n := range m.NBytes {
		b = appendVarint(b, n)
	}
	return b
}
func (m *DataPlaced) decode(d *decoder) {
	m.Workers = d.strings()
	m.Keys = d.strings()
	if n := d.count(); n > 0 {
		m.NBytes = make([]int64, n)
		for i := range m.NBytes {
			m.NBytes[i] = d.varint()
		}
	}
	if d.err == nil && len(m.Keys) != len(m.NBytes) {
		d.fail("DataPlaced: %d keys but %d sizes", len(m.Keys), len(m.NBytes))
	}
}

// WorkersQuery asks the scheduler for its workers.
type WorkersQuery struct {
	noBulk
	ReqID uint64
}

func (*WorkersQuery) Op() Op                         { return OpWorkersQuery }
func (m *WorkersQuery) appendFields(b []byte) []byte { return appendUvarint(b, m.ReqID) }
func (m *WorkersQuery) decode(d *decoder)            { m.ReqID = d.uvarint() }

// WorkerInfo describes one worker as the scheduler sees it.
type WorkerInfo struct {
	Name         string
	Addr         string
	NThreads     uint32
	MemoryLimit  int64
	Resources    []Resource
	Build        string
	Processing   int64
	InMemory     int64
	ManagedBytes int64 // sizes of the values it holds, in memory or on disk (the scheduler's account)
	// As of the worker's last heartbeat:
	ManagedInMemory int64 // sizes of the values it holds in memory
	SpilledBytes    int64 // sizes of the values it holds on disk
	SpillErrors     int64 // spills that failed (the values stayed in memory)
	RSS             int64
	HeapBytes       int64
	Paused          bool
	Retiring        bool  // being retired: it takes no new tasks or values
	Executing       int64 // tasks running on the worker
	Ready           int64 // tasks waiting there for a thread
}

// WorkersInfo answers WorkersQuery: the workers, and the scheduler's own
// load.
type WorkersInfo struct {
	noBulk
	ReqID   uint64
	Workers []WorkerInfo
	// Tasks ready but waiting on the scheduler: for a worker with room
	// (Queued), for a worker that can run them at all (NoWorker).
	Queued, NoWorker int64
	MeanDuration     int64 // nanoseconds; 0 before the first task finished
}

func (*WorkersInfo) Op() Op { return OpWorkersInfo }
func (m *WorkersInfo) appendFields(b []byte) []byte {
	b = appendUvarint(b, m.ReqID)
	b = appendUvarint(b, uint64(len(m.Workers)))
	for _, w := range m.Workers {
		b = appendString(b, w.Name)
		b = appendString(b, w.Addr)
		b = appendUvarint(b, uint64(w.NThreads))
		b = appendVarint(b, w.MemoryLimit)
		b = appendResources(b, w.Resources)
		b = appendString(b, w.Build)
		b = appendVarint(b, w.Processing)
		b = appendVarint(b, w.InMemory)
		for _, v := range [...]int64{w.ManagedBytes, w.ManagedInMemory, w.SpilledBytes, w.SpillErrors, w.RSS, w.HeapBytes} {
			b = appendVarint(b, v)
		}
		b = appendBool(b, w.Paused)
		b = appendBool(b, w.Retiring)
		b = appendVarint(b, w.Executing)
		b = appendVarint(b, w.Ready)
	}
	b = appendVarint(b, m.Queued)
	b = appendVarint(b, m.NoWorker)
	return appendVarint(b, m.MeanDuration)
}
func (m *WorkersInfo) decode(d *decoder) {
	m.ReqID = d.uvarint()
	if n := d.count(); n > 0 {
		m.Workers = make([]WorkerInfo, n)
		for i := range m.Workers {
			w := &m.Workers[i]
			w.Name = d.str()
			w.Addr = d.str()
			w.NThreads = d.u32()
			w.MemoryLimit = d.varint()
			w.Resources = decodeResources(d)
			w.Build = d.str()
			w.Processing = d.varint()
			w.InMemory = d.varint()
			for _, p := range [...]*int64{&w.ManagedBytes, &w.ManagedInMemory, &w.SpilledBytes, &w.SpillErrors, &w.RSS, &w.HeapBytes} {
				*p = d.varint()
			}
			w.Paused = d.bool()
			w.Retiring = d.bool()
			w.Executing = d.varint()
			w.Ready = d.varint()
		}
	}
	m.Queued = d.varint()
	m.NoWorker = d.varint()
	m.MeanDuration = d.varint()
}

// KeyDone tells a client that a key it holds is in memory, and where.
type KeyDone struct {
	noBulk
	Key     string
	NBytes  int64
	Holders []string // worker addresses
	Value   []byte   // the encoded value when the worker sent it inline (TaskDone.Value)
}

func (*KeyDone) Op() Op { return OpKeyDone }
func (m *KeyDone) appendFields(b []byte) []byte {
	b = appendString(b, m.Key)
	b = appendVarint(b, m.NBytes)
	b = appendStrings(b, m.Holders)
	return appendBytes(b, m.Value)
}
func (m *KeyDone) decode(d *decoder) {
	m.Key = d.str()
	m.NBytes = d.varint()
	m.Holders = d.nameList()
	m.Value = d.inline()
}

// KeyErred tells a client that a key it holds failed.
type KeyErred struct {
	noBulk
	Key string
	Err RemoteError
}

func (*KeyErred) Op() Op { return OpKeyErred }
func (m *KeyErred) appendFields(b []byte) []byte {
	return m.Err.append(appendString(b, m.Key))
}
func (m *KeyErred) decode(d *decoder) {
	m.Key = d.str()
	m.Err.decode(d)
}

// KeyCancelled tells a client that a key was cancelled by another client or
// lost for good.
type KeyCancelled struct {
	noBulk
	Key    string
	Reason string
}

func (*KeyCancelled) Op() Op { return OpKeyCancelled }
func (m *KeyCancelled) appendFields(b []byte) []byte {
	return appendString(appendString(b, m.Key), m.Reason)
}
func (m *KeyCancelled) decode(d *decoder) {
	m.Key = d.str()
	m.Reason = d.text()
}

// DepLoc says where a dependency's value is.
type DepLoc struct {
	Key     string
	NBytes  int64
	Holders []string
}

// Compute asks a worker to run a task.
type Compute struct {
	noBulk
	Key       string
	Func      string
	Args      []byte
	Deps      []DepLoc
	Priority  int64
	Resources []Resource
	Held      bool   // a client holds the result: send it with TaskDone if small
	Ref       uint64 // the scheduler's name for the task, for TaskDone to bring back
}

func appendDepLocs(b []byte, ds []DepLoc) []byte {
	b = appendUvarint(b, uint64(len(ds)))
	for _, dl := range ds {
		b = appendString(b, dl.Key)
		b = appendVarint(b, dl.NBytes)
		b = appendStrings(b, dl.Holders)
	}
	return b
}

func decodeDepLocs(d *decoder) []DepLoc {
	n := d.count()
	if n == 0 {
		return nil
	}
	ds := make([]DepLoc, n)
	for i := range ds {
		ds[i].Key = d.str()
		ds[i].NBytes = d.varint()
		ds[i].Holders = d.nameList()
	}
	return ds
}

func (*Compute) Op() Op { return OpCompute }
func (m *Compute) appendFields(b []byte) []byte {
	b = appendString(b, m.Key)
	b = appendString(b, m.Func)
	b = appendBytes(b, m.Args)
	b = appendDepLocs(b, m.Deps)
	b = appendVarint(b, m.Priority)
	b = appendResources(b, m.Resources)
	b = appendBool(b, m.Held)
	return appendUvarint(b, m.Ref)
}
func (m *Compute) decode(d *decoder) {
	m.Key = d.str()
	m.Func = d.strAs(d.fn)
	d.fn = m.Func
	m.Args = d.bytes()
	m.Deps = decodeDepLocs(d)
	m.Priority = d.varint()
	m.Resources = decodeResources(d)
	m.Held = d.bool()
	m.Ref = d.uvarint()
}

// Free tells a worker to drop keys: their values, or their work if running.
type Free struct {
	noBulk
	Keys []string
}

func (*Free) Op() Op                         { return OpFree }
func (m *Free) appendFields(b []byte) []byte { return appendStrings(b, m.Keys) }
func (m *Free) decode(d *decoder)            { m.Keys = d.strings() }

// StealRequest asks a worker to give back a task it was sent and has not
// started, so that the scheduler can run it on an idle worker. The worker
// answers with a StealResponse.
type StealRequest struct {
	noBulk
	Key string
}

func (*StealRequest) Op() Op                         { return OpStealRequest }
func (m *StealRequest) appendFields(b []byte) []byte { return appendString(b, m.Key) }
func (m *StealRequest) decode(d *decoder)            { m.Key = d.str() }

// StealResponse answers a StealRequest. Stolen: the worker dropped the task
// (it was waiting for its inputs or for a thread). Otherwise it runs, ran
// or does not know the task, and reports it as usual.
type StealResponse struct {
	noBulk
	Key    string
	Stolen bool
}

func (*StealResponse) Op() Op { return OpStealResponse }
func (m *StealResponse) appendFields(b []byte) []byte {
	return appendBool(appendString(b, m.Key), m.Stolen)
}
func (m *StealResponse) decode(d *decoder) {
	m.Key = d.str()
	m.Stolen = d.bool()
}

// TaskDone reports a finished task.
type TaskDone struct {
	noBulk
	Key      string
	NBytes   int64
	Duration int64  // nanoseconds spent running
	Value    []byte // the encoded result, if Compute.Held and at most InlineLimit bytes
	Ref      uint64 // the Compute's
}

func (*TaskDone) Op() Op { return OpTaskDone }
func (m *TaskDone) appendFields(b []byte) []byte {
	return appendUvarint(appendBytes(appendVarint(appendVarint(appendString(b, m.Key), m.NBytes), m.Duration), m.Value), m.Ref)
}
func (m *TaskDone) decode(d *decoder) {
	m.Key = d.str()
	m.NBytes = d.varint()
	m.Duration = d.varint()
	m.Value = d.inline()
	m.Ref = d.uvarint()
}

// TaskErred reports a failed task.
type TaskErred struct {
	noBulk
	Key string
	Err RemoteError
}

func (*TaskErred) Op() Op { return OpTaskErred }
func (m *TaskErred) appendFields(b []byte) []byte {
	return m.Err.append(appendString(b, m.Key))
}
func (m *TaskErred) decode(d *decoder) {
	m.Key = d.str()
	m.Err.decode(d)
}

// MissingData reports that a task's dependency could not be fetched from
// the holders the scheduler named, or, with an empty Key, that a copy asked
// for by AcquireKeys could not be.
type MissingData struct {
	noBulk
	Key     string // the task that needed it; empty for an AcquireKeys copy
	Dep     string
	Holders []string // holders that did not have it or could not be reached
}

func (*MissingData) Op() Op { return OpMissingData }
func (m *MissingData) appendFields(b []byte) []byte {
	return appendStrings(appendString(appendString(b, m.Key), m.Dep), m.Holders)
}
func (m *MissingData) decode(d *decoder) {
	m.Key = d.str()
	m.Dep = d.str()
	m.Holders = d.nameList()
}

// Heartbeat carries a worker's metrics.
type Heartbeat struct {
	noBulk
	Executing    int64
	Ready        int64
	InMemory     int64
	ManagedBytes int64 // sizes of the values held in memory
	SpilledBytes int64 // sizes of the values held on disk
	SpillErrors  int64 // spills that failed since the worker started
	RSS          int64
	HeapBytes    int64
	Paused       bool
}

func (*Heartbeat) Op() Op { return OpHeartbeat }
func (m *Heartbeat) appendFields(b []byte) []byte {
	for _, v := range [...]int64{m.Executing, m.Ready, m.InMemory, m.ManagedBytes, m.SpilledBytes, m.SpillErrors, m.RSS, m.HeapBytes} {
		b = appendVarint(b, v)
	}
	return appendBool(b, m.Paused)
}
func (m *Heartbeat) decode(d *decoder) {
	for _, p := range [...]*int64{&m.Executing, &m.Ready, &m.InMemory, &m.ManagedBytes, &m.SpilledBytes, &m.SpillErrors, &m.RSS, &m.HeapBytes} {
		*p = d.varint()
	}
	m.Paused = d.bool()
}

// Replicas reports keys a worker gained (fetched) or dropped.
type Replicas struct {
	noBulk
	Added   []string
	NBytes  []int64 // one per Added
	Dropped []string
}

func (*Replicas) Op() Op { return OpReplicas }
func (m *Replicas) appendFields(b []byte) []byte {
	b = appendStrings(b, m.Added)
	for _, n := range m.NBytes {
		b = appendVarint(b, n)
	}
	return appendStrings(b, m.Dropped)
}
func (m *Replicas) decode(d *decoder) {
	m.Added = d.strings()
	if len(m.Added) > 0 {
		m.NBytes = make([]int64, len(m.Added))
		for i := range m.NBytes {
			m.NBytes[i] = d.varint()
		}
	}
	m.Dropped = d.strings()
}

// GetData asks a worker for values. It answers with one Data per key.
type GetData struct {
	noBulk
	ReqID uint64
	Keys  []string
}

func (*GetData) Op() Op { return OpGetData }
func (m *GetData) appendFields(b []byte) []byte {
	return appendStrings(appendUvarint(b, m.ReqID), m.Keys)
}
func (m *GetData) decode(d *decoder) {
	m.ReqID = d.uvarint()
	m.Keys = d.strings()
}

// Data carries one value (or says it is missing) in its bulk payload.
type Data struct {
	ReqID   uint64
	Key     string
	Missing bool
	Value   []byte
}

func (*Data) Op() Op { return OpData }
func (m *Data) appendFields(b []byte) []byte {
	return appendBool(appendString(appendUvarint(b, m.ReqID), m.Key), m.Missing)
}
func (m *Data) bulkPayload() []byte { return m.Value }
func (m *Data) decode(d *decoder) {
	m.ReqID = d.uvarint()
	m.Key = d.str()
	m.Missing = d.bool()
	m.Value = d.rest()
}

// PutData stores a value on a worker (scatter). The worker answers with Ack.
type PutData struct {
	ReqID uint64
	Key   string
	Value []byte
}

func (*PutData) Op() Op { return OpPutData }
func (m *PutData) appendFields(b []byte) []byte {
	return appendString(appendUvarint(b, m.ReqID), m.Key)
}
func (m *PutData) bulkPayload() []byte { return m.Value }
func (m *PutData) decode(d *decoder) {
	m.ReqID = d.uvarint()
	m.Key = d.str()
	m.Value = d.rest()
}

// Ack answers PutData.
type Ack struct {
	noBulk
	ReqID  uint64
	NBytes int64
	Err    *RemoteError
}

func (*Ack) Op() Op { return OpAck }
func (m *Ack) appendFields(b []byte) []byte {
	return appendOptError(appendVarint(appendUvarint(b, m.ReqID), m.NBytes), m.Err)
}
func (m *Ack) decode(d *decoder) {
	m.ReqID = d.uvarint()
	m.NBytes = d.varint()
	m.Err = decodeOptError(d)
}

// Call runs a registered function on a worker outside the task graph (Run).
type Call struct {
	noBulk
	ReqID uint64
	Func  string
	Args  []byte
}

func (*Call) Op() Op { return OpCall }
func (m *Call) appendFields(b []byte) []byte {
	return appendBytes(appendString(appendUvarint(b, m.ReqID), m.Func), m.Args)
}
func (m *Call) decode(d *decoder) {
	m.ReqID = d.uvarint()
	m.Func = d.str()
	m.Args = d.bytes()
}

// CallResult answers Call.
type CallResult struct {
	ReqID uint64
	Err   *RemoteError
	Value []byte
}

func (*CallResult) Op() Op { return OpCallResult }
func (m *CallResult) appendFields(b []byte) []byte {
	return appendOptError(appendUvarint(b, m.ReqID), m.Err)
}
func (m *CallResult) bulkPayload() []byte { return m.Value }
func (m *CallResult) decode(d *decoder) {
	m.ReqID = d.uvarint()
	m.Err = decodeOptError(d)
	m.Value = d.rest()
}

// WorkerDied is sent by a nanny when its worker process ended.
type WorkerDied struct {
	noBulk
	Name     string
	Addr     string
	Reason   string // a sentence for people: "killed by signal 9 (SIGKILL)", "exceeded memory limit 2 GiB"
	ExitCode int64
	Signal   string
	OOM      bool
}

func (*WorkerDied) Op() Op { return OpWorkerDied }
func (m *WorkerDied) appendFields(b []byte) []byte {
	b = appendString(appendString(b, m.Name), m.Addr)
	b = appendString(b, m.Reason)
	b = appendVarint(b, m.ExitCode)
	return appendBool(appendString(b, m.Signal), m.OOM)
}
func (m *WorkerDied) decode(d *decoder) {
	m.Name = d.str()
	m.Addr = d.str()
	m.Reason = d.text()
	m.ExitCode = d.varint()
	m.Signal = d.str()
	m.OOM = d.bool()
}

// RetireWorkers asks the scheduler to retire workers, named by address or
// name: they get no new tasks, finish the ones they have, their values that
// no other worker holds are copied to the others, and then they close. The
// scheduler answers with WorkersRetired once every named worker has left,
// been kept or died.
type RetireWorkers struct {
	noBulk
	ReqID   uint64
	Workers []string
}

func (*RetireWorkers) Op() Op { return OpRetireWorkers }
func (m *RetireWorkers) appendFields(b []byte) []byte {
	return appendStrings(appendUvarint(b, m.ReqID), m.Workers)
}
func (m *RetireWorkers) decode(d *decoder) {
	m.ReqID = d.uvarint()
	m.Workers = d.strings()
}

// WorkersRetired says which workers retired. To a client it answers
// RetireWorkers (ReqID); to a worker whose address is in Retired it means:
// close now (nothing runs there, and every value it holds has a copy
// elsewhere), without counting as a death.
type WorkersRetired struct {
	noBulk
	ReqID   uint64
	Retired []string // closed after their values moved (addresses)
	Kept    []string // still at work: values only they hold could not be moved
	Lost    []string // died before they could retire
	Unknown []string // names that matched no worker
	Unmoved []string // the keys of the values that kept the Kept workers
}

func (*WorkersRetired) Op() Op { return OpWorkersRetired }
func (m *WorkersRetired) appendFields(b []byte) []byte {
	b = appendUvarint(b, m.ReqID)
	for _, l := range [...][]string{m.Retired, m.Kept, m.Lost, m.Unknown, m.Unmoved} {
		b = appendStrings(b, l)
	}
	return b
}
func (m *WorkersRetired) decode(d *decoder) {
	m.ReqID = d.uvarint()
	for _, l := range [...]*[]string{&m.Retired, &m.Kept, &m.Lost, &m.Unknown, &m.Unmoved} {
		*l = d.strings()
	}
}

// AcquireKeys asks a worker to fetch copies of values from the holders
// named and keep them. It reports each copy with Replicas when it has it,
// or with a MissingData whose Key is empty when no holder gave it.
type AcquireKeys struct {
	noBulk
	Keys []DepLoc
}

func (*AcquireKeys) Op() Op                         { return OpAcquireKeys }
func (m *AcquireKeys) appendFields(b []byte) []byte { return appendDepLocs(b, m.Keys) }
func (m *AcquireKeys) decode(d *decoder)            { m.Keys = decodeDepLocs(d) }

// Goodbye is the last message on a connection its sender is closing
// because of what the other side sent (a frame that does not decode):
// Reason says what, so that the other side reports more than a lost
// connection. Conn sends it, and Recv turns it into a *GoodbyeError.
type Goodbye struct {
	noBulk
	Reason string
}

func (*Goodbye) Op() Op                         { return OpGoodbye }
func (m *Goodbye) appendFields(b []byte) []byte { return appendString(b, m.Reason) }
func (m *Goodbye) decode(d *decoder)            { m.Reason = d.text() }
