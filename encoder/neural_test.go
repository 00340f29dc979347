package encoder_test

import (
	"bytes"
	"testing"

	"github.com/mqzip/mqzip/bench/gen"
	"github.com/mqzip/mqzip/encoder"
)

// TestManyConversations round-trips a generated capture of 400 concurrent MQTT clients, more
// conversations than the codec keeps LSTM states for (256): the encoder and the decoder must
// drop and restart the same states at the same places. The LSTM must also have been used,
// which the file being smaller than with the context models alone shows.
func TestManyConversations(t *testing.T) {
	if testing.Short() {
		t.Skip("codes 2 MB with the LSTM")
	}
	var capture bytes.Buffer
	if _, err := gen.Write(&capture, gen.Config{Frames: 20000, Clients: 400, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	in := capture.Bytes()
	withLSTM, _ := roundTrip(t, in)
	var ctx bytes.Buffer
	if _, err := encoder.EncodeConfig(&ctx, bytes.NewReader(in), encoder.Config{ContextOnly: true}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes: %d with the LSTM, %d with the context models alone", len(in), len(withLSTM), ctx.Len())
	if len(withLSTM) == ctx.Len() {
		t.Error("the LSTM changed nothing: was it used?")
	}
}
