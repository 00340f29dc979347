// Package lstm implements the byte-level recurrent model that predicts MQTT traffic: an
// embedding of the previous symbol, concatenated with a vector of metadata features, feeds
// one or more LSTM layers (Hochreiter and Schmidhuber, "Long Short-Term Memory", 1997, with
// forget gates as in Gers, Schmidhuber and Cummins, 2000), whose last output feeds a softmax
// over 257 symbols: the 256 byte values and EOM, the end of a message.
//
// Besides the features, a step carries up to Config.Hints hints: candidates for the next
// symbol that the caller knows from elsewhere (for MQTT, the byte at the same place in an
// earlier message of the same type, and the guesses of adaptive context models of the
// conversation). Each hint slot has a copy gate, computed from the state, that adds to its
// hint's logit, so the model learns when to trust which hint. This lets a small model repeat
// what it saw a message ago, which an LSTM of this size does poorly from its state alone, and
// adapt to a conversation it was not trained on.
//
// A model may also have experts (Config.Experts): distributions over the symbols that the
// caller computes beside the model at every step, such as adaptive context models whose
// statistics span a whole capture, which no weights trained beforehand can hold. The model's
// own softmax and the experts' distributions are mixed with weights that gates computed from
// the state give (Model.Mix): the state judges, step by step, whom to believe. Training needs
// only the probability each expert gave the symbol that came (Sequence.Experts); the
// gradient of the mixture is exact (the gradient check covers it).
//
// The package is a leaf: it knows nothing of MQTT. A Sequence is a list of symbols with the
// features and hints of each step; package dataset makes them from captures.
//
// # Two models
//
// Model is the float32 model that training changes. Its weights are not changed by use: the
// recurrent state of a sequence is a separate State, and Next(state, symbol, features)
// advances it (its comment lists the equations). A Trainer trains a Model with truncated
// back-propagation through time over windows of steps, batches of sequences run side by side
// in lanes, Adam and gradient clipping by global norm. Each batch is split over shards that
// run on their own goroutines and sum their gradients in a fixed order, so that training is
// reproducible from its seeds whatever the number of cores.
//
// Quantized is the fixed-point copy of a trained Model that coding uses. It computes with
// integers only: int8 weights with a fixed-point scale for each row, activations with
// FeatShift fractional bits, sigmoid, tanh and exp from interpolated tables of integers, and
// an integer frequency table over the symbols, each at least 1, summing to FreqTotal, ready for
// a range coder; with experts, FreqsMix mixes the experts' frequency tables in integers. The same model file therefore gives bit-identical frequencies on every
// architecture; the one place where floats become integers is Quantize. The tables are
// generated once (gentables.go) and committed as integers.
//
// The dot products of int8 weights and int16 inputs, the hot loop, run in assembly where
// there is some, chosen when the program starts (dot_amd64.go, dot_arm64.go): on amd64 with
// AVX-512 (4 rows and 32 columns at a time: VPMOVSXBW widens the weights and VPDPWSSD, from
// AVX512-VNNI, multiplies and adds, or VPMADDWD and VPADDD without VNNI), else with AVX2
// (VPMOVSXBW, VPMADDWD and VPADDD, 16 columns at a time); on arm64 with NEON (SXTL and SMLAL);
// elsewhere, or with the purego build tag, in a portable Go loop. All give the same integers:
// every product is exact and the int32 additions wrap and never saturate, so their order does
// not matter (and within the limits of Config no sum overflows). The tests check every kernel
// that the machine has against the Go loop, and run the golden hashes with each. On the
// project's EPYC (Zen 4, one core), for the 512x176 product of a layer of 128 cells fed 16
// embedding values and 32 features, the AVX-512 VNNI kernel reaches about 18 multiply-adds a
// cycle against 13 for AVX2 and 0.5 for Go; the widening of the weights, which runs on the
// same units as the multiplies, keeps either well below the 32 a cycle that the multiplies
// alone can reach (BenchmarkMatvec).
//
// A Quantized model is saved in a versioned binary file (see WriteTo and Load) that holds its
// configuration, a description (Meta), its integer weights, its ID (the SHA-256 of its
// content) and a CRC-32C of the whole.
//
// # Tensor library
//
// The float maths use gonum's BLAS (gonum.org/v1/gonum/blas/blas32: Sgemm and Sgemv, which
// have SIMD kernels) and plain Go loops over []float32 for the element-wise work. The choice
// was measured on this project's machine (AMD EPYC, one core, Go 1.26) for the product of a
// 512x154 matrix with a vector, the shape of one step of the default model: a plain Go loop
// took 29.4 µs, gonum's Sgemv 9.0 µs, and gorgonia.org/tensor's MatVecMul 9.8 µs with 7
// allocations a call (it hands the product to gonum and adds its own checks); an element-wise
// addition of 154 values took 153 ns in a loop and 368 ns through gorgonia. gorgonia.org/tensor
// v0.9.24 also refuses to start under Go 1.26 unless an environment variable overrides its
// dependency go4.org/unsafe/assume-no-moving-gc. Batched training runs gonum's Sgemm at 5 to 9
// GMAC/s on one core.
package lstm
