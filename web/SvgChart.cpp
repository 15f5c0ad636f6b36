#include "web/SvgChart.h"

#include <algorithm>
#include <sstream>

namespace keywarden::web {

namespace {
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out.push_back(c);
  }
  return out;
}
// A round step for about four grid lines up to `max`.
int64_t niceStep(int64_t max) {
  if (max <= 4) return 1;
  int64_t raw = (max + 3) / 4, p = 1;
  while (p * 10 <= raw) p *= 10;
  for (int64_t m : {1, 2, 5, 10})
    if (p * m >= raw) return p * m;
  return p * 10;
}
}  // namespace

std::string SvgChart::shapes(const std::vector<Bar>& bars) {
  const int left = 56, right = 8, top = 10, bottom = 28;
  const int plotW = kWidth - left - right, plotH = kHeight - top - bottom;
  int64_t max = 0;
  for (const auto& b : bars) {
    int64_t sum = 0;
    for (int64_t v : b.values) sum += std::max<int64_t>(0, v);
    max = std::max(max, sum);
  }
  int64_t step = niceStep(max);
  int64_t top_ = std::max<int64_t>(step, ((max + step - 1) / step) * step);
  std::ostringstream o;
  auto y = [&](int64_t v) { return top + plotH - static_cast<double>(v) * plotH / top_; };
  for (int64_t g = 0; g <= top_; g += step) {
    o << "<line class=\"grid\" x1=\"" << left << "\" x2=\"" << kWidth - right << "\" y1=\"" << y(g)
      << "\" y2=\"" << y(g) << "\"/>";
    o << "<text class=\"axis\" x=\"" << left - 6 << "\" y=\"" << y(g) + 4
      << "\" text-anchor=\"end\">" << g << "</text>";
  }
  if (!bars.empty()) {
    double slot = static_cast<double>(plotW) / bars.size();
    double width = std::max(1.0, slot * 0.8);
    size_t every = std::max<size_t>(1, (bars.size() + 11) / 12);
    for (size_t i = 0; i < bars.size(); ++i) {
      double x = left + i * slot + (slot - width) / 2;
      int64_t base = 0;
      for (size_t s = 0; s < bars[i].values.size(); ++s) {
        int64_t v = std::max<int64_t>(0, bars[i].values[s]);
        if (v == 0) continue;
        o << "<rect class=\"s" << s << "\" x=\"" << x << "\" y=\"" << y(base + v) << "\" width=\""
          << width << "\" height=\"" << (y(base) - y(base + v)) << "\"><title>"
          << escape(bars[i].label) << ": " << v << "</title></rect>";
        base += v;
      }
      if (i % every == 0 && !bars[i].label.empty())
        o << "<text class=\"axis\" x=\"" << x + width / 2 << "\" y=\"" << kHeight - 8
          << "\" text-anchor=\"middle\">" << escape(bars[i].label) << "</text>";
    }
  }
  o << "<line class=\"baseline\" x1=\"" << left << "\" x2=\"" << kWidth - right << "\" y1=\""
    << y(0) << "\" y2=\"" << y(0) << "\"/>";
  return o.str();
}

void SvgChart::write(api::JsonWriter& w, const std::vector<Bar>& bars) {
  int64_t total = 0;
  w.beginArray("rows");
  for (const auto& b : bars) {
    int64_t sum = 0;
    w.beginObject().field("label", b.label).beginArray("values");
    for (int64_t v : b.values) {
      w.beginObject().field("n", v).endObject();
      sum += v;
    }
    w.endArray().field("total", sum).endObject();
    total += sum;
  }
  w.endArray();
  w.objectField("chart")
      .field("shapes", shapes(bars))
      .field("width", static_cast<int64_t>(kWidth))
      .field("height", static_cast<int64_t>(kHeight))
      .field("total", total)
      .field("empty", total == 0)
      .endObject();
}

}  // namespace keywarden::web
