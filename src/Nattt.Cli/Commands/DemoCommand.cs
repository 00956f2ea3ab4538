using System.CommandLine;
using Nattt.Lab;
using Nattt.Lab.Worlds;

namespace Nattt.Cli.Commands;

/// <summary><c>nattt demo</c>: builds the world of figures 1 and 2 in network namespaces, shows NATTT at work, and
/// removes it again.</summary>
internal static class DemoCommand
{
    private static readonly Option<bool> Keep = new("--keep")
    {
        Description = "Keep the world running until Enter is pressed, to explore it with 'ip netns exec'. Defaults to false.",
    };

    public static Command Create()
    {
        var command = new Command("demo",
            "Build a demonstration world in network namespaces (a public client A, a client A1 behind two legacy NATs, a " +
            "NATTT box Y in front of a private web server B), fetch B's page from both clients through the tunnel, show " +
            "the box's flows, and remove everything. Needs root, nft, socat, curl and python3 (scripts/setup.sh installs them).");
        command.Options.Add(Keep);
        command.SetAction(result => Run(result.GetValue(Keep)));
        return command;
    }

    private static int Run(bool keep)
    {
        var why = Preflight.WhyNotReady();
        if (why is not null) return CliSupport.Fail("demo", why, 1);
        var say = (string s) => Console.WriteLine($"\n>>> {s}");
        using var net = LabNetwork.Create("demo", NatttWorld.Drawing, Console.Out);
        var site = Directory.CreateTempSubdirectory("nattt-demo-");
        try
        {
            say("Building the world: namespaces, veth links, and the kernel's own NAT (nftables masquerade) on x, x1 and y.");
            var w = NatttWorld.Build(net, withSecondHome: false);
            File.WriteAllText(Path.Combine(site.FullName, "index.html"), "Hello from B (10.0.0.2), a private web server behind NAT box Y.\n");
            var web = w.B.Start("python3", "-m", "http.server", "80", "--bind", NatttWorld.ServerPrivate, "--directory", site.FullName);
            Thread.Sleep(700);

            say("Without NATTT, A on the Internet cannot reach B: 10.0.0.2 is private, and Y drops what nobody inside asked for.");
            Show(w.A.Exec("curl", ["-sS", "-m", "3", $"http://{NatttWorld.ServerPrivate}/"]));

            var tag = net.RunId;
            say("Y runs 'nattt box', publishing only B's web port and ping; everything else stays closed.");
            NatttProgram.StartDaemon(w.Y, "box", "--publish", "10.0.0.2:tcp/80", "--publish", "10.0.0.2:icmp",
                "--control-socket", $"/run/nattt/demo-{tag}-box.sock");

            say("Figure 1: A runs 'nattt client' with B's tunnel path (Y's public address, B's private address). B gets the stand-in 198.18.0.10.");
            NatttProgram.StartDaemon(w.A, "client", "--no-dns", "--map", "b=203.0.113.1:100,10.0.0.2@198.18.0.10",
                "--control-socket", $"/run/nattt/demo-{tag}-a.sock");
            say("A: curl http://198.18.0.10/  (an unmodified curl)");
            Show(w.A.Exec("curl", ["-sS", "-m", "5", "http://198.18.0.10/"]));

            say("Figure 2: A1 sits behind two legacy NATs (x1 at home, x at the carrier) that know nothing of NATTT.");
            NatttProgram.StartDaemon(w.A1, "client", "--no-dns", "--map", "b=203.0.113.1:100,10.0.0.2@198.18.0.10",
                "--control-socket", $"/run/nattt/demo-{tag}-a1.sock");
            say("A1: curl http://198.18.0.10/ and ping -c 2 198.18.0.10");
            Show(w.A1.Exec("curl", ["-sS", "-m", "5", "http://198.18.0.10/"]));
            Show(w.A1.Exec("ping", ["-c", "2", "-W", "2", "198.18.0.10"]));

            say("B's web server log: A appears with its own address, A1 with its carrier NAT's public address 203.0.113.2 (Y rewrote the inner source).");
            Console.WriteLine(string.Join('\n', web.Output.Split('\n').Where(l => l.Contains("GET"))));

            say("nattt status on Y (the paper's diagnosis tool): one flow per client connection, with outer and translated addresses.");
            Show(NatttProgram.Run(w.Y, "status", "--socket", $"/run/nattt/demo-{tag}-box.sock"));
            say("nattt status on A1:");
            Show(NatttProgram.Run(w.A1, "status", "--socket", $"/run/nattt/demo-{tag}-a1.sock"));

            if (keep)
            {
                say($"The world is up (namespaces {net.Prefix}*). Press Enter to remove it.");
                Console.ReadLine();
            }
            say("Removing the world: daemons stopped (they remove their TUN devices, rules and tables), namespaces deleted.");
            return 0;
        }
        catch (LabException e)
        {
            return CliSupport.Fail("demo", e.Message, 1);
        }
        finally
        {
            site.Delete(recursive: true);
        }
    }

    private static void Show(CommandResult r)
    {
        var text = (r.StandardOutput + r.StandardError).TrimEnd();
        Console.WriteLine(text.Length == 0 ? $"(exit {r.ExitCode})" : text);
    }
}
