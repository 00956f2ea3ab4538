using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Nattt.Diagnostics;

namespace Nattt.Cli.Commands;

/// <summary><c>nattt status</c>: the paper's diagnosis tool; lists a daemon's mappings, flows and counters.</summary>
internal static class StatusCommand
{
    private static readonly Option<string?> Socket = new("--socket")
    {
        Description = "Control socket of the daemon to ask. Defaults to /run/nattt/client.sock, or /run/nattt/box.sock with --box.",
    };
    private static readonly Option<bool> Box = new("--box") { Description = "Ask the box (nattt box) instead of the client. Defaults to false." };
    private static readonly Option<bool> Json = new("--json") { Description = "Print the daemon's JSON document instead of text. Defaults to false." };

    public static Command Create()
    {
        var command = new Command("status", "Show a running daemon's mappings (client) or flows (box), with their outer " +
                                            "addresses, ages and counters, and its drop counters by reason.");
        command.Options.Add(Socket);
        command.Options.Add(Box);
        command.Options.Add(Json);
        command.SetAction(async (result, ct) =>
        {
            var path = result.GetValue(Socket) ?? (result.GetValue(Box) ? "/run/nattt/box.sock" : "/run/nattt/client.sock");
            string reply;
            try { reply = await ControlServer.QueryAsync(path, "status", TimeSpan.FromSeconds(5)); }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
            {
                return CliSupport.Fail("status", $"no daemon answers on {path} ({e.Message}); is it running, and are you root?", 1);
            }
            if (result.GetValue(Json)) { Console.Write(reply); return 0; }
            Console.Write(Render(reply));
            return 0;
        });
        return command;
    }

    /// <summary>Renders a status document in words: one block for the daemon, one line per mapping or flow.</summary>
    internal static string Render(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var sb = new StringBuilder();
        if (root.TryGetProperty("error", out var err)) return $"error: {err.GetString()}\n";
        var role = root.GetProperty("role").GetString();
        sb.AppendLine(role == "box"
            ? $"nattt box on {root.GetProperty("listen").GetString()}, tun {root.GetProperty("tun").GetString()}, up {root.GetProperty("uptime_seconds").GetDouble():0} s"
            : $"nattt client, tun {root.GetProperty("tun").GetString()} ({root.GetProperty("own_address").GetString()} in {root.GetProperty("pool").GetString()}), tunnel port {root.GetProperty("local_port").GetInt32()}, up {root.GetProperty("uptime_seconds").GetDouble():0} s");
        if (role == "box")
        {
            var published = root.GetProperty("published").EnumerateArray().Select(p => p.GetString()).ToList();
            sb.AppendLine("published: " + (published.Count == 0 ? "nothing" : string.Join(", ", published)));
            var flows = root.GetProperty("flows").EnumerateArray().ToList();
            sb.AppendLine($"flows: {flows.Count}");
            foreach (var f in flows)
                sb.AppendLine($"  {f.GetProperty("protocol").GetString(),-5} from {f.GetProperty("outer").GetString()} " +
                              $"(inner {f.GetProperty("inner_source").GetString()}, as {f.GetProperty("translated_source").GetString()}) " +
                              $"to {f.GetProperty("destination").GetString()}, age {f.GetProperty("age_seconds").GetDouble():0} s, " +
                              $"idle {f.GetProperty("idle_seconds").GetDouble():0} s, in {f.GetProperty("packets_in").GetInt64()} pkts/" +
                              $"{f.GetProperty("bytes_in").GetInt64()} B, out {f.GetProperty("packets_out").GetInt64()} pkts/{f.GetProperty("bytes_out").GetInt64()} B");
        }
        else
        {
            var maps = root.GetProperty("mappings").EnumerateArray().ToList();
            sb.AppendLine($"mappings: {maps.Count}");
            foreach (var m in maps)
            {
                var valid = m.GetProperty("valid_for_seconds");
                sb.AppendLine($"  {m.GetProperty("stand_in").GetString(),-15} {m.GetProperty("name").GetString()} -> {m.GetProperty("path").GetString()}" +
                              $" ({(m.GetProperty("static").GetBoolean() ? "static" : $"valid {valid.GetDouble():0} s")}, age {m.GetProperty("age_seconds").GetDouble():0} s, " +
                              $"idle {m.GetProperty("idle_seconds").GetDouble():0} s, out {m.GetProperty("packets_out").GetInt64()} pkts/{m.GetProperty("bytes_out").GetInt64()} B, " +
                              $"in {m.GetProperty("packets_in").GetInt64()} pkts/{m.GetProperty("bytes_in").GetInt64()} B)");
            }
        }
        sb.AppendLine("counters:");
        foreach (var c in root.GetProperty("counters").EnumerateObject())
            if (c.Value.GetInt64() != 0 || !c.Name.StartsWith("drop_", StringComparison.Ordinal))
                sb.AppendLine($"  {c.Name,-28} {c.Value.GetInt64()}");
        return sb.ToString();
    }
}
