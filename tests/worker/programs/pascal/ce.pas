begin writeln(undeclared) end.
