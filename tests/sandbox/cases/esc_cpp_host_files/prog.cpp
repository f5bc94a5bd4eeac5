// Escapes from C++ through the standard library: std::ifstream on host-only files, the
// judge's checkout, /proc/1 (the box's init, root), and std::filesystem walking up from /box.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

namespace fs = std::filesystem;

int main() {
    const char *paths[] = {"/etc/shadow", "/root/.bash_history", "/work/main/README.md",
                           "/proc/1/environ", "/proc/1/cmdline", "/run/judgebox/locks/0",
                           "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/var/log/syslog"};
    for (const char *p : paths) {
        std::ifstream in(p);
        std::string line;
        if (in && std::getline(in, line)) {
            std::cout << "ESCAPED: read " << p << ": " << line.substr(0, 40) << std::endl;
            return 99;
        }
        std::cout << "blocked: " << p << std::endl;
    }
    std::error_code ec;
    fs::path up = fs::canonical("/box/../../..", ec);
    for (const auto &e : fs::directory_iterator(up, ec)) {
        std::string n = e.path().filename();
        if (n == "work" || n == "root" || n == "home" || n == "var" || n == "sys") {
            std::cout << "ESCAPED: " << e.path() << " seen from /box/../../.." << std::endl;
            return 99;
        }
    }
    std::cout << "all blocked" << std::endl;
    return 0;
}
