module gops.test/agentpeer

go 1.19
