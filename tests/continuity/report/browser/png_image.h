// A decoded PNG (libpng's simplified API) as 8-bit RGB pixels, and the pixel measures the
// browser tests judge a rendered page by.
#ifndef STORMPROOF_TESTS_CONTINUITY_REPORT_BROWSER_PNG_IMAGE_H_
#define STORMPROOF_TESTS_CONTINUITY_REPORT_BROWSER_PNG_IMAGE_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace stormproof::testing {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  int Luminance() const { return (299 * r + 587 * g + 114 * b) / 1000; }
};

class PngImage {
 public:
  // Reads `path`; on failure returns false and sets *error.
  bool Read(const std::string& path, std::string* error);

  int width() const { return width_; }
  int height() const { return height_; }
  // REQUIRES: 0 <= x < width(), 0 <= y < height().
  Rgb At(int x, int y) const {
    const uint8_t* p = &pixels_[(static_cast<size_t>(y) * width_ + x) * 3];
    return {p[0], p[1], p[2]};
  }

 private:
  int width_ = 0, height_ = 0;
  std::vector<uint8_t> pixels_;
};

// A rectangle of pixels [x0, x1) × [y0, y1), clipped to the image by the functions below.
struct Box {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// How many pixels of `box` satisfy `match`.
template <typename Match>
long CountPixels(const PngImage& image, Box box, Match match) {
  long n = 0;
  for (int y = std::max(box.y0, 0); y < std::min(box.y1, image.height()); ++y) {
    for (int x = std::max(box.x0, 0); x < std::min(box.x1, image.width()); ++x) {
      if (match(image.At(x, y))) ++n;
    }
  }
  return n;
}

// Dark: ink-like grey or black (the reports' text and axis colour): luminance under 90 and
// hardly any colour (the accent blue, the verdict green and red are as dark, but coloured).
inline bool Dark(Rgb c) {
  int spread = std::max({c.r, c.g, c.b}) - std::min({c.r, c.g, c.b});
  return c.Luminance() < 90 && spread < 40;
}

// The top-left corner of the first `size` × `size` square of dark pixels in `box`, scanning row
// by row; {-1, -1} when there is none. Text and 1-2 px lines never form one; a filled shape
// does.
std::pair<int, int> FindDarkSquare(const PngImage& image, Box box, int size);

}  // namespace stormproof::testing

#endif  // STORMPROOF_TESTS_CONTINUITY_REPORT_BROWSER_PNG_IMAGE_H_
