begin writeln('hello world') end.
