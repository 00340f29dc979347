package report

import (
	"image/color"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
)

var whiteish = color.RGBA{250, 250, 250, 255}

func sansOf(size font.Length) font.Font { return font.From(sans, size) }

// colorMap is the sequential map of the heat map: dark for alike (distance 0), light for
// unrelated (1).
func colorMap(lo, hi float64) palette.ColorMap {
	m := moreland.ExtendedBlackBody()
	m.SetMin(lo)
	m.SetMax(hi)
	return m
}

func heatPalette() palette.Palette { return colorMap(0, 1).Palette(256) }

// matrixGrid shows a square matrix as a heat map grid with row 0 at the top.
type matrixGrid [][]float64

var _ plotter.GridXYZ = matrixGrid(nil)

func (m matrixGrid) Dims() (c, r int)   { return len(m), len(m) }
func (m matrixGrid) Z(c, r int) float64 { return m[len(m)-1-r][c] }
func (m matrixGrid) X(c int) float64    { return float64(c) }
func (m matrixGrid) Y(r int) float64    { return float64(r) }
