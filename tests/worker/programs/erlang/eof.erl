%% every number to EOF into a file in /tmp, then read back from it
main(_) ->
    Numbers = read_all([]),
    ok = file:write_file("/tmp/numbers.txt", [[integer_to_list(X), $\n] || X <- Numbers]),
    {ok, Data} = file:read_file("/tmp/numbers.txt"),
    Back = [binary_to_integer(L) || L <- binary:split(Data, <<"\n">>, [global, trim_all])],
    io:format("~b ~b~n", [length(Back), lists:sum(Back)]).

read_all(Acc) ->
    case io:fread("", "~d") of
        {ok, [X]} -> read_all([X | Acc]);
        eof -> lists:reverse(Acc)
    end.
