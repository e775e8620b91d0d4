// A stand-in for src/worker/thread-entry.ts that fails before it is ready,
// as the real one does when it cannot open the database.
throw new Error("unable to open database file");
