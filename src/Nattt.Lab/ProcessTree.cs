namespace Nattt.Lab;

/// <summary>Reads the process tree from /proc, to find the processes a started program forked.</summary>
internal static class ProcessTree
{
    /// <summary>The PIDs of all live descendants of <paramref name="root"/> (children first).</summary>
    public static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces or parentheses, so split after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.TryParse(fields[1], out var ppid)) parents[pid] = ppid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* the process exited meanwhile */ }
        }
        var result = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.Count > 0)
        {
            var p = frontier.Dequeue();
            foreach (var (child, parent) in parents)
                if (parent == p && !result.Contains(child)) { result.Add(child); frontier.Enqueue(child); }
        }
        return result;
    }
}
