print("multiagent")
