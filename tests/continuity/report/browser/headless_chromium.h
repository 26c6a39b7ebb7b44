// Takes screenshots of HTML files with the Chromium that Debian packages (`chromium`, installed
// by scripts/install-deps), run headless as a child process: one invocation per page, a private
// profile directory, a time limit after which its whole process group is killed.
#ifndef STORMPROOF_TESTS_CONTINUITY_REPORT_BROWSER_HEADLESS_CHROMIUM_H_
#define STORMPROOF_TESTS_CONTINUITY_REPORT_BROWSER_HEADLESS_CHROMIUM_H_

#include <chrono>
#include <string>

namespace stormproof::testing {

// The chromium program: $STORMPROOF_CHROMIUM when set, else the first of chromium,
// chromium-browser found on PATH; "" when there is none.
std::string FindChromium();

struct ScreenshotOptions {
  int width = 1200;  // CSS pixels
  int height = 3000;
  double scale = 1;  // device pixels per CSS pixel: the PNG is width × scale wide
  std::chrono::seconds timeout = std::chrono::seconds(30);
};

// Renders `html_file` and writes a PNG of the window to `png_file`. Returns "" on success, else
// what went wrong (chromium's exit status or the timeout, and the end of its output).
std::string TakeScreenshot(const std::string& chromium, const std::string& html_file,
                           const std::string& png_file, const ScreenshotOptions& options);

}  // namespace stormproof::testing

#endif  // STORMPROOF_TESTS_CONTINUITY_REPORT_BROWSER_HEADLESS_CHROMIUM_H_
