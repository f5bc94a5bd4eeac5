%% 1 GiB of binaries, each filled and kept
main(_) ->
    Blocks = [binary:copy(<<I:8>>, 1 bsl 20) || I <- lists:seq(1, 1024)],
    io:format("~p~n", [length(Blocks)]).
