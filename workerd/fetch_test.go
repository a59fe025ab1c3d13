package workerd

import (
	"slices"
	"testing"
)

func TestSplitFetch(t *testing.T) {
	keys := []string{"a", "b", "c", "d", "e"}
	for _, tt := range []struct {
		name   string
		nbytes []int64
		want   [][]string
	}{
		{"small values go together", []int64{1, 2, 3, 1, 2}, [][]string{{"a", "b", "c", "d", "e"}}},
		{"big values go alone", []int64{20, 20, 20, 20, 20}, [][]string{{"a"}, {"b"}, {"c"}, {"d"}, {"e"}}},
		{"parts fill up to the limit", []int64{6, 4, 7, 3, 11}, [][]string{{"a", "b"}, {"c", "d"}, {"e"}}},
		{"sizes unknown", nil, [][]string{{"a", "b", "c", "d", "e"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := splitFetch(keys, tt.nbytes, 10)
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("splitFetch(%v, limit 10) = %v, want %v", tt.nbytes, got, tt.want)
			}
		})
	}
	if got := splitFetch(nil, nil, 10); len(got) != 1 || len(got[0]) != 0 {
		t.Errorf("splitFetch of nothing = %v, want one empty part", got)
	}
}
