// Package report draws what package analysis measured: one figure per question (drawn with
// gonum.org/v1/plot, written as PNG and SVG), a self-contained HTML page that embeds the PNGs
// as data URIs and holds the field table, and summary.json with every number.
//
// Figures are sized for the data: the similarity matrix grows with the conversations it
// compares, the sensor panels with the topics, time axes switch from seconds to minutes and
// hours, and length axes turn logarithmic when lengths span more than two decades. A figure
// without data is drawn as a panel that says why, so that the set of files is always the same.
package report
