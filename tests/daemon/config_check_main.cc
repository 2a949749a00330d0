// Runs check_config_command on a file, as `smtpsecd -n -c FILE` will; a
// stand-in for the daemon's main until it exists.
#include <iostream>

#include "daemon/config.h"

int main(int argc, char** argv) {
    const std::string path = argc > 1 ? argv[1] : smtpsec::daemon::kDefaultConfigPath;
    return smtpsec::daemon::check_config_command(path, std::cout);
}
