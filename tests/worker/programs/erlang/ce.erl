main(_) ->
    io:format("~p~n", [add(1, 2)]).

add(A, B) ->
    A + B
