#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/JsonWriter.h"

namespace keywarden::web {

// A stacked bar chart drawn on the server as SVG shapes (no JavaScript; the pages' CSP allows no
// script and no inline style, so colours come from the stylesheet through classes s0, s1, …).
// The caller's template writes the <svg> element with its <title> and <desc> (every word is in
// the templates) and the same numbers as a table; this class only lays out bars, the value
// axis and the bucket labels it is given. Stateless; thread-safe.
class SvgChart {
 public:
  struct Bar {
    std::string label;            // under the bar (a time such as "14:00"), may be ""
    std::vector<int64_t> values;  // one per series, stacked bottom-up
  };
  static constexpr int kWidth = 720;
  static constexpr int kHeight = 220;
  // The shapes inside <svg viewBox="0 0 kWidth kHeight">: grid lines with their values, one
  // stacked bar per entry (each segment a <rect class="sN"> with a <title> of its number),
  // and at most ~12 evenly spaced bucket labels.
  static std::string shapes(const std::vector<Bar>& bars);
  // The same figures for the template: "chart" (shapes, width, height, total, empty) and
  // "rows" (label, values[{n}], total) — written into an open object.
  static void write(api::JsonWriter& w, const std::vector<Bar>& bars);
};

}  // namespace keywarden::web
