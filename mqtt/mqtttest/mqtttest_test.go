package mqtttest_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/mqtt/mqtttest"
)

// TestSources checks that every vector copied from a capture appears, byte for byte, in
// that capture.
func TestSources(t *testing.T) {
	n := 0
	for _, v := range mqtttest.All() {
		if v.Source == "" {
			continue
		}
		name, _, _ := strings.Cut(v.Source, " frame ")
		data, err := os.ReadFile(testcaps.Find(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Raw) < 2 || !bytes.Contains(data, v.Raw) {
			t.Errorf("%s: % x not found in %s", v.Name, v.Raw, name)
		}
		n++
	}
	if n < 30 {
		t.Errorf("only %d vectors come from captures", n)
	}
}

// TestFresh checks that callers can modify the vectors they get.
func TestFresh(t *testing.T) {
	a := mqtttest.Valid()
	a[0].Raw[0] ^= 0xff
	a[0].Want.ClientID = "changed"
	b := mqtttest.Valid()
	if b[0].Raw[0] == a[0].Raw[0] || b[0].Want.ClientID == "changed" {
		t.Error("Valid returned shared vectors")
	}
}
