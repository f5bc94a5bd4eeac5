{ print $1 +* }
