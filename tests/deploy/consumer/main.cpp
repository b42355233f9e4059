// Consumer of the installed package: includes the umbrella header and uses the library.
#include <swatnn/swatnn.hpp>

#include <cstdio>

int main() {
  std::printf("swatnn %s found by find_package\n", swatnn::version_string);
  return 0;
}
