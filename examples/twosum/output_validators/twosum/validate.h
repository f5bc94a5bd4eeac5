// A tiny helper for Kattis-interface validators (judgebox's example; local header, inlined
// by judgebox before compiling).
#pragma once
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

static FILE *judge_message = nullptr;

inline void init_feedback(const char *feedback_dir) {
    std::string path = std::string(feedback_dir) + "judgemessage.txt";
    judge_message = std::fopen(path.c_str(), "w");
    if (!judge_message) { std::perror(path.c_str()); std::exit(1); }  // judge error
}

[[noreturn]] inline void accept() { std::exit(42); }

[[noreturn]] inline void wrong_answer(const char *format, ...) {
    va_list args;
    va_start(args, format);
    std::vfprintf(judge_message, format, args);
    va_end(args);
    std::fputc('\n', judge_message);
    std::exit(43);
}
