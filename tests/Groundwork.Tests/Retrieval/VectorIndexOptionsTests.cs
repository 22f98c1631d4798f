using System.ComponentModel.DataAnnotations;
using Groundwork.Retrieval;

namespace Groundwork.Tests.Retrieval;

public sealed class VectorIndexOptionsTests
{
    [Fact]
    public void DefaultsAreValid()
    {
        var options = new VectorIndexOptions();

        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), null, validateAllProperties: true));
        Assert.Equal((16, 128, 64, VectorQuantization.Float16), (options.Connectivity, options.ExpansionAdd, options.ExpansionSearch, options.Quantization));
    }

    [Theory]
    [InlineData(nameof(VectorIndexOptions.Connectivity), 3)]
    [InlineData(nameof(VectorIndexOptions.Connectivity), 65)]
    [InlineData(nameof(VectorIndexOptions.ExpansionAdd), 15)]
    [InlineData(nameof(VectorIndexOptions.ExpansionSearch), 7)]
    [InlineData(nameof(VectorIndexOptions.ExpansionSearch), 2049)]
    [InlineData(nameof(VectorIndexOptions.SearchThreads), 0)]
    [InlineData(nameof(VectorIndexOptions.Quantization), 42)]
    public void OutOfRangeSettingIsRejectedByName(string property, int value)
    {
        var options = new VectorIndexOptions();
        var info = typeof(VectorIndexOptions).GetProperty(property)!;
        info.SetValue(options, info.PropertyType.IsEnum ? Enum.ToObject(info.PropertyType, value) : value);
        var errors = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Contains(property, Assert.Single(errors).MemberNames);
    }
}
