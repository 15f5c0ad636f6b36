#include <string>
#include <vector>

#include "app/Commands.h"

int main(int argc, char** argv) {
  return keywarden::app::Commands::main(std::vector<std::string>(argv + 1, argv + argc));
}
