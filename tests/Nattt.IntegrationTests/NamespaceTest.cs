using Nattt.Lab;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests;

/// <summary>
/// Base of every namespace scenario: builds a <see cref="LabNetwork"/> with the scenario's drawn topology, logs to the
/// test output, and at the end tears it down and fails the test if a namespace, interface or process leaked.
/// Namespace tests never skip: without root or the tools they fail with the reason (CI runs them as root).
/// </summary>
public abstract class NamespaceTest : IDisposable
{
    protected NamespaceTest(ITestOutputHelper output, string scenario, string drawing)
    {
        Output = new TestOutputWriter(output);
        Net = LabNetwork.Create(scenario, drawing, Output);
    }

    protected TestOutputWriter Output { get; }
    protected LabNetwork Net { get; }

    public virtual void Dispose()
    {
        Net.Dispose();
        // A daemon killed before its clean stop leaves its control socket file; the run id makes it ours.
        if (Directory.Exists("/run/nattt"))
            foreach (var stale in Directory.GetFiles("/run/nattt", $"test-{Net.RunId}-*")) File.Delete(stale);
        var leaks = Net.FindLeaks();
        Assert.True(leaks.Count == 0, "the scenario leaked: " + string.Join("; ", leaks));
        GC.SuppressFinalize(this);
    }
}

/// <summary>A TextWriter onto xunit's per-test output (thread-safe: xunit's helper is).</summary>
public sealed class TestOutputWriter(ITestOutputHelper output) : TextWriter
{
    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;
    public override void WriteLine(string? value)
    {
        try { output.WriteLine(value ?? ""); }
        catch (InvalidOperationException) { /* the test already finished; its output is closed */ }
    }
    public override void Write(char value) => WriteLine(value.ToString());
}
