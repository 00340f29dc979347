package lstm

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// The checkpoint file of a Trainer, all integers little-endian:
//
//	magic    "MQZC"
//	version  uint16 (2)
//	layers, hidden, embed, features, hints, experts  uint16 each
//	seed     uint64
//	learn rate, beta1, beta2, epsilon, clip, decay  float64 each
//	window, lanes, shards, updates, epochs  uint32 each
//	weights, Adam's first moments, Adam's second moments  float32 each, as many as the
//	         model has weights
//	crc      uint32: CRC-32 (Castagnoli) of every byte before it
const checkpointMagic = "MQZC"

// checkpointVersion is the version of the checkpoint format; version 2 added Config.Experts.
const checkpointVersion = 2

// WriteCheckpoint writes the trainer's whole state (the model's float weights, Adam's moments,
// the counts of updates and epochs and the configuration) to w, so that ResumeTrainer can
// carry on where it stopped and train exactly as if it had not.
func (tr *Trainer) WriteCheckpoint(w io.Writer) error {
	c, tc := tr.m.cfg, tr.cfg
	b := []byte(checkpointMagic)
	b = binary.LittleEndian.AppendUint16(b, checkpointVersion)
	for _, v := range []int{c.Layers, c.Hidden, c.Embed, c.Features, c.Hints, c.Experts} {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	b = binary.LittleEndian.AppendUint64(b, tc.Seed)
	for _, v := range []float64{tc.LearnRate, tc.Beta1, tc.Beta2, tc.Epsilon, tc.Clip, tc.Decay} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	for _, v := range []int{tc.Window, tc.Lanes, tc.Shards, tr.t, tr.epoch} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	for _, vec := range [][]float32{tr.m.params, tr.mean, tr.sq} {
		for _, v := range vec {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	_, err := w.Write(b)
	return err
}

// ResumeTrainer reads a checkpoint written by WriteCheckpoint and returns the trainer and its
// model. Errors are those of Load.
func ResumeTrainer(r io.Reader) (*Trainer, error) {
	const fixed = 4 + 2 + 12 + 8 + 6*8 + 5*4
	head := make([]byte, fixed)
	if n, err := io.ReadFull(r, head); err != nil {
		if n >= 4 && string(head[:4]) != checkpointMagic {
			return nil, &FormatError{0, "not a checkpoint file", ErrFormat}
		}
		return nil, fmt.Errorf("lstm: checkpoint: %w", noEOF(err))
	}
	if string(head[:4]) != checkpointMagic {
		return nil, &FormatError{0, fmt.Sprintf("not a checkpoint file (it starts with %q)", head[:4]), ErrFormat}
	}
	if v := binary.LittleEndian.Uint16(head[4:]); v != checkpointVersion {
		return nil, &UnsupportedError{Version: int(v)}
	}
	u16 := func(i int) int { return int(binary.LittleEndian.Uint16(head[6+2*i:])) }
	cfg := Config{Layers: u16(0), Hidden: u16(1), Embed: u16(2), Features: u16(3), Hints: u16(4), Experts: u16(5)}
	if cfg.Layers == 0 || cfg.Hidden == 0 || cfg.Embed == 0 || cfg.Hints == 0 || cfg.Verify() != nil {
		return nil, &FormatError{6, fmt.Sprintf("configuration %v", cfg), ErrFormat}
	}
	var tc TrainConfig
	tc.Seed = binary.LittleEndian.Uint64(head[18:])
	for i, p := range []*float64{&tc.LearnRate, &tc.Beta1, &tc.Beta2, &tc.Epsilon, &tc.Clip, &tc.Decay} {
		*p = math.Float64frombits(binary.LittleEndian.Uint64(head[26+8*i:]))
	}
	u32 := func(i int) int { return int(binary.LittleEndian.Uint32(head[74+4*i:])) }
	tc.Window, tc.Lanes, tc.Shards = u32(0), u32(1), u32(2)
	if err := tc.Verify(); err != nil {
		return nil, &FormatError{26, err.Error(), ErrFormat}
	}
	m := newModel(cfg)
	tr, err := NewTrainer(m, tc)
	if err != nil {
		return nil, err
	}
	tr.t, tr.epoch = u32(3), u32(4)
	body := make([]byte, 3*4*len(m.params)+4)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("lstm: checkpoint: %w", noEOF(err))
	}
	crc := crc32.Update(crc32.Checksum(head, castagnoli), castagnoli, body[:len(body)-4])
	if want := binary.LittleEndian.Uint32(body[len(body)-4:]); crc != want {
		return nil, &FormatError{int64(fixed + len(body) - 4), fmt.Sprintf("checksum %08x, the file says %08x", crc, want), ErrChecksum}
	}
	for k, vec := range [][]float32{m.params, tr.mean, tr.sq} {
		for i := range vec {
			vec[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*(k*len(vec)+i):]))
		}
	}
	return tr, nil
}

// Model returns the model the trainer changes.
func (tr *Trainer) Model() *Model { return tr.m }

// Epochs returns the number of epochs started so far.
func (tr *Trainer) Epochs() int { return tr.epoch }
