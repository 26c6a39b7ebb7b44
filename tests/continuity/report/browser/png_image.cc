#include "tests/continuity/report/browser/png_image.h"

#include <png.h>

#include <algorithm>
#include <cstring>

namespace stormproof::testing {

bool PngImage::Read(const std::string& path, std::string* error) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    *error = path + ": " + image.message;
    return false;
  }
  image.format = PNG_FORMAT_RGB;
  pixels_.assign(PNG_IMAGE_SIZE(image), 0);
  png_color white = {255, 255, 255};  // the page behind any transparency
  if (!png_image_finish_read(&image, &white, pixels_.data(), 0, nullptr)) {
    *error = path + ": " + image.message;
    png_image_free(&image);
    return false;
  }
  width_ = static_cast<int>(image.width);
  height_ = static_cast<int>(image.height);
  return true;
}

std::pair<int, int> FindDarkSquare(const PngImage& image, Box box, int size) {
  box.x0 = std::max(box.x0, 0);
  box.y0 = std::max(box.y0, 0);
  box.x1 = std::min(box.x1, image.width());
  box.y1 = std::min(box.y1, image.height());
  int columns = std::max(box.x1 - box.x0, 0);
  // run[x]: how many dark pixels end at (x, y) going up the column.
  std::vector<int> run(columns, 0);
  for (int y = box.y0; y < box.y1; ++y) {
    int across = 0;  // consecutive columns (to the left) whose run reaches `size`
    for (int i = 0; i < columns; ++i) {
      run[i] = Dark(image.At(box.x0 + i, y)) ? run[i] + 1 : 0;
      across = run[i] >= size ? across + 1 : 0;
      if (across >= size) return {box.x0 + i - size + 1, y - size + 1};
    }
  }
  return {-1, -1};
}

}  // namespace stormproof::testing
