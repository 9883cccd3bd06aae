package identity

import "context"

// A PasswordChecker checks a sign-in's password against the account's
// stored hash (a PHC string that hashPassword made). It is called at most
// hashSlots() times at once, each call holding a hashing slot. An error is
// no verdict: the attempt is refused unchecked and its client asked to try
// again (RetryAfter), never let in.
type PasswordChecker interface {
	CheckPassword(ctx context.Context, encoded, password string) (bool, error)
}

// inProcess checks passwords in this process: for every command but writ
// serve, and for tests. Its hashes' memory is this process's, and so is
// the garbage collection it costs.
type inProcess struct{}

func (inProcess) CheckPassword(_ context.Context, encoded, password string) (bool, error) {
	return checkPassword(encoded, password), nil
}
