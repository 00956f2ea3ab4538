using System.Net;
using System.Text;
using Nattt.Lab;
using Nattt.Stun.Wire;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Stun;

/// <summary>
/// Real peers: Debian's stun-client (RFC 3489) and coturn's turnutils_stunclient against `nattt stun-server`;
/// `nattt stun` against coturn's turnserver run as an RFC 5780 STUN server; raw STUN over TCP and TLS with socat.
/// </summary>
public sealed class StunInteropTests(ITestOutputHelper output) : NamespaceTest(output, "stun-interop", StunLab.Drawing)
{
    [Fact]
    public void DebianStunClient_ThroughPortPreservingMasquerade_ClassicBehaviourReported()
    {
        var (client, _, server) = StunLab.Build(Net, NatMapping.PortPreserving);
        using var stunServer = StunLab.StartNatttServer(server);
        // stun-client's exit code is the NAT type (non-zero on success, FACTS.md): judge by its output.
        var r = client.Exec("timeout", ["60", "stun", StunLab.ServerPrimary, "-v"], TimeSpan.FromSeconds(70));
        Output.WriteLine(r.StandardOutput);
        Output.WriteLine(r.StandardError);
        var text = r.StandardOutput + r.StandardError;
        Assert.Contains("MappedAddress = " + StunLab.NatPublic, text);
        Assert.Contains("ChangedAddress = " + StunLab.ServerAlternate + ":3479", text);
        Assert.Contains("Primary: Independent Mapping, Port Dependent Filter", text);
    }

    [Fact]
    public void DebianStunClient_ThroughSymmetricNat_DependentMappingReported()
    {
        var (client, _, server) = StunLab.Build(Net, NatMapping.Symmetric);
        using var stunServer = StunLab.StartNatttServer(server);
        var r = client.Exec("timeout", ["60", "stun", StunLab.ServerPrimary, "-v"], TimeSpan.FromSeconds(70));
        Output.WriteLine(r.StandardOutput);
        Output.WriteLine(r.StandardError);
        Assert.Contains("Primary: Dependent Mapping", r.StandardOutput + r.StandardError);
    }

    [Fact]
    public void TurnutilsStunclient_AgainstNatttServer_ReflexiveAndRfc5780Attributes()
    {
        var (client, _, server) = StunLab.Build(Net, NatMapping.PortPreserving);
        using var stunServer = StunLab.StartNatttServer(server);
        // It waits forever behind a filtering NAT after a change request (FACTS.md): bounded by timeout.
        var r = client.Exec("timeout", ["8", "turnutils_stunclient", "-p", "3478", StunLab.ServerPrimary], TimeSpan.FromSeconds(15));
        Output.WriteLine(r.StandardOutput);
        Output.WriteLine(r.StandardError);
        var text = r.StandardOutput + r.StandardError;
        Assert.Contains("UDP reflexive addr: " + StunLab.NatPublic + ":", text);
        Assert.Contains("Other addr: : " + StunLab.ServerAlternate + ":3479", text);
        Assert.Contains("Response origin: : " + StunLab.ServerPrimary + ":3478", text);
    }

    [Theory]
    [InlineData(NatMapping.PortPreserving)]
    [InlineData(NatMapping.Symmetric)]
    public void TurnutilsNatdiscovery_AgainstNatttServer_AgreesWithTheKernelNat(NatMapping mapping)
    {
        var (client, _, server) = StunLab.Build(Net, mapping);
        using var stunServer = StunLab.StartNatttServer(server);
        // coturn's own RFC 5780 discovery client, run against our server (bounded: it may wait on filtered tests).
        var r = client.Exec("timeout", ["60", "turnutils_natdiscovery", "-m", "-f", "-H", StunLab.ServerPrimary], TimeSpan.FromSeconds(70));
        Output.WriteLine(r.StandardOutput);
        Output.WriteLine(r.StandardError);
        var text = r.StandardOutput + r.StandardError;
        Assert.Contains(mapping == NatMapping.Symmetric
            ? "NAT with Address and Port Dependent Mapping"
            : "NAT with Endpoint Independent Mapping", text);
        Assert.Contains("NAT with Address and Port Dependent Filtering", text);
    }

    [Fact]
    public void NatttStun_AgainstCoturn_ReportsKernelNatBehaviour()
    {
        var (client, _, server) = StunLab.Build(Net, NatMapping.PortPreserving);
        var dir = Directory.CreateTempSubdirectory("nattt-coturn-");
        try
        {
            using var coturn = server.Start("turnserver", "-n", "--listening-ip", StunLab.ServerPrimary, "--listening-ip", StunLab.ServerAlternate,
                "--listening-port", "3478", "--userdb", Path.Combine(dir.FullName, "turndb"), "--pidfile", Path.Combine(dir.FullName, "turn.pid"),
                "--no-tls", "--no-dtls", "--no-cli", "--log-file", "stdout", "--simple-log", "--stun-only");
            Thread.Sleep(1500);
            var report = StunLab.RunNatttStun(client, $"{StunLab.ServerPrimary}:3478", Output);
            Output.WriteLine(coturn.Output);
            Assert.True(report.GetProperty("rfc5780").GetBoolean(), "coturn should announce OTHER-ADDRESS");
            Assert.StartsWith(StunLab.NatPublic + ":", report.GetProperty("mappedAddress").GetString());
            Assert.Equal("endpoint-independent", report.GetProperty("mapping").GetString());
            Assert.Equal("address-and-port-dependent", report.GetProperty("filtering").GetString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void RawStunOverTcpAndTls_AgainstNatttServer_XorMappedAddressIsTheNat()
    {
        var (client, _, server) = StunLab.Build(Net, NatMapping.PortPreserving);
        var dir = Directory.CreateTempSubdirectory("nattt-stun-tls-");
        try
        {
            string cert = Path.Combine(dir.FullName, "cert.pem"), key = Path.Combine(dir.FullName, "key.pem");
            Shell.Run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", key, "-out", cert,
                "-days", "1", "-nodes", "-subj", "/CN=stun.test"]).EnsureSuccess();
            using var stunServer = StunLab.StartNatttServer(server, "--cert", cert, "--key", key, "--tls-port", "5349");
            Assert.True(stunServer.WaitForOutput($"listening on tls {StunLab.ServerAlternate}:5350", TimeSpan.FromSeconds(10)), stunServer.Output);
            AssertMapped(Exchange(client, $"TCP:{StunLab.ServerPrimary}:3478"));
            AssertMapped(Exchange(client, $"OPENSSL:{StunLab.ServerPrimary}:5349,verify=0"));
            // And our own client over both.
            foreach (var transport in new[] { "--tcp", "--tls" })
            {
                var r = client.Exec(StunLab.Nattt, ["stun", StunLab.ServerPrimary, transport, "--insecure", "--json"], TimeSpan.FromSeconds(30));
                Output.WriteLine(r.StandardOutput + r.StandardError);
                Assert.True(r.Succeeded, r.StandardOutput + r.StandardError);
                using var json = System.Text.Json.JsonDocument.Parse(r.StandardOutput);
                Assert.StartsWith(StunLab.NatPublic + ":", json.RootElement.GetProperty("mappedAddress").GetString());
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Sends one Binding request with socat and returns the bytes that came back.</summary>
    private byte[] Exchange(LabHost client, string socatAddress)
    {
        var buffer = new byte[64];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Encoding.ASCII.GetBytes("nattt-tcp-01"));
        w.TryWriteFingerprint();
        var octal = string.Concat(w.Written.ToArray().Select(b => "\\" + Convert.ToString(b, 8).PadLeft(3, '0')));
        var r = client.Sh($"printf '{octal}' | timeout 10 socat -t 3 - {socatAddress} | od -An -tx1 -v", TimeSpan.FromSeconds(20));
        Output.WriteLine($"{socatAddress}: {r.StandardOutput} {r.StandardError}");
        return Convert.FromHexString(new string(r.StandardOutput.Where(Uri.IsHexDigit).ToArray()));
    }

    private static void AssertMapped(byte[] response)
    {
        Assert.Equal(StunError.None, StunMessageReader.TryParse(response, out var m));
        Assert.Equal(StunMessageType.BindingSuccess, m.Type);
        Assert.Equal("nattt-tcp-01", Encoding.ASCII.GetString(m.TransactionId));
        Assert.True(m.IsFingerprintValid());
        Assert.Equal(StunError.None, XorMappedAddressAttribute.Read(m, out var mapped));
        Assert.Equal(IPAddress.Parse(StunLab.NatPublic), mapped!.Address);
    }
}
